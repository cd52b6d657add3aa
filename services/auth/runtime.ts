import path from "node:path";
import { Redis } from "ioredis";
import type { Config } from "../../config/index.ts";
import type { Db } from "../../models/db.ts";
import { CredentialCache, LastSeenThrottle } from "./credential-cache.ts";
import { createMailer } from "./mail.ts";
import { linkIn, outboxDirOf } from "./mail-outbox.ts";
import {
  CredentialLimiter,
  FallbackRateLimitStore,
  LoginLimiter,
  MemoryRateLimitStore,
  RedisRateLimitStore,
  type RateLimitStore,
} from "./rate-limit.ts";
import { AccessTokenVerifier, type TokenSettings } from "./tokens.ts";
import type { AuthDeps, Logger } from "./use-cases/context.ts";

/**
 * The long-lived parts of one auth service instance (rate-limit store, limiters, mailer,
 * credential cache), built from the configuration; `deps(db)` hands the use cases all they need.
 */
export interface AuthRuntime {
  deps(db: Db): AuthDeps;
  credentials: CredentialCache;
  close(): Promise<void>;
}

export function createAuthRuntime(
  config: Config,
  logger: Logger,
  /** Tells the other auth nodes which sessions ended (their credential caches drop them). */
  announceEnded: (sessionIds: string[]) => void,
  clock: () => number = Date.now,
): AuthRuntime {
  const tokens: TokenSettings = {
    secret: config.secrets.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTtlS: config.ACCESS_TOKEN_TTL_S,
  };
  const redisUrl = config.REDIS_URL ?? (config.CACHER.startsWith("redis") ? config.CACHER : undefined);
  let fallbackLoggedAt = 0;
  const rateStore: RateLimitStore = redisUrl
    ? new FallbackRateLimitStore(
        new RedisRateLimitStore(
          new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 }),
          config.RATE_LIMIT_PREFIX ?? `${config.NAMESPACE}-ratelimit:`,
        ),
        (err) => {
          // Once a minute is enough to tell operators; every failed call would flood the log.
          if (clock() - fallbackLoggedAt < 60_000) return;
          fallbackLoggedAt = clock();
          logger.warn(
            `Log-in rate limits use this node's memory while Redis is unavailable: ${(err as Error).message}`,
          );
        },
      )
    : new MemoryRateLimitStore();
  const mailer = createMailer({
    smtpUrl: config.SMTP_URL,
    from: config.MAIL_FROM,
    outboxDir: path.resolve(outboxDirOf(config)),
    // On a laptop (`npm start`) the confirmation link a new account needs is in the outbox; the
    // log shows it so nobody has to open the file. Never in production: links are credentials.
    onOutboxMail: config.isProduction
      ? undefined
      : (m, file) => {
          const link = linkIn(m.text);
          logger.info(`Mail to ${m.to}, "${m.subject}", written to ${file}${link ? `; its link: ${link}` : ""}`);
        },
  });
  if (config.isProduction && mailer.kind === "outbox")
    logger.warn(
      "SMTP_URL is not set: confirmation and password-reset mail is only written to the local outbox, so a new account cannot log in until its link is read from there (or an operator creates accounts with user:create)",
    );
  const shared = {
    config,
    clock,
    mailer,
    logger,
    tokens,
    accessTokens: new AccessTokenVerifier(tokens),
    hashOptions: { memoryCost: config.PASSWORD_HASH_MEMORY_KIB, timeCost: config.PASSWORD_HASH_TIME_COST },
    limiter: new LoginLimiter(rateStore, { limit: config.LOGIN_RATE_LIMIT, windowS: config.LOGIN_RATE_WINDOW_S }),
    credLimiter: new CredentialLimiter(rateStore, {
      limit: config.CREDENTIAL_RATE_LIMIT,
      windowS: config.CREDENTIAL_RATE_WINDOW_S,
    }),
    credentials: new CredentialCache(config.SESSION_CHECK_CACHE_MS, clock, announceEnded),
    lastSeen: new LastSeenThrottle(clock),
    appBase: config.PUBLIC_URL ?? `http://localhost:${config.PORT}`,
  };
  return {
    deps: (db) => ({ ...shared, db }),
    credentials: shared.credentials,
    async close() {
      await rateStore.close();
      mailer.close();
    },
  };
}
