import { z } from "zod";

/**
 * Every setting chatlens reads from the environment, in one place.
 * The README's configuration table is written from this list; keep them together.
 */
const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const csv = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

export const SERVICE_NAMES = ["api", "auth", "ingest", "embedder", "index", "cluster", "analytics"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  NODE_ID: z.string().min(1).optional(),
  NAMESPACE: z.string().default("chatlens"),
  SERVICES: csv
    .pipe(z.array(z.enum([...SERVICE_NAMES, "all"])))
    .default(["all"])
    .transform((list) => (list.includes("all") ? [...SERVICE_NAMES] : (list as ServiceName[]))),

  HOST: z.string().default("127.0.0.1"),
  PORT: port.default(3000),
  PUBLIC_URL: z.url().optional(),
  TRUST_PROXY: bool.default(false),
  UI_DIR: z.string().default("ui/build"),

  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL (leave it unset for the embedded PGlite)")
    .optional(),
  DATABASE_STARTUP_WAIT_S: z.coerce.number().int().min(0).default(60),

  TRANSPORTER: z
    .string()
    .regex(/^(none|nats:\/\/.+)$/, "must be none or a nats://host:port URL")
    .default("none"),
  CACHER: z
    .string()
    .regex(/^(none|memory|redis:\/\/.+)$/, "must be none, memory or a redis://host:port URL")
    .default("memory"),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional(),

  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  LOG_FORMAT: z.enum(["json", "pretty"]).optional(),

  REQUEST_TIMEOUT_MS: positiveInt.default(30_000),
  RETRY_MAX: z.coerce.number().int().min(0).max(10).default(3),
  BULKHEAD_CONCURRENCY: positiveInt.default(10),
  BULKHEAD_MAX_QUEUE: positiveInt.default(200),

  METRICS_ENABLED: bool.default(true),
  METRICS_HOST: z.string().default("127.0.0.1"),
  METRICS_PORT: port.default(3030),

  UPLOAD_MAX_BYTES: positiveInt.default(2 * 1024 ** 3),
  UPLOAD_MAX_FILES: positiveInt.default(1),
  IMPORT_STALE_AFTER_S: z.coerce.number().int().min(2).default(120),
  // Bounds of one import (services/ingest/io/limits.ts): a crafted export fails its own import with a 4xx code.
  IMPORT_MAX_DECOMPRESSED_BYTES: positiveInt.default(8 * 1024 ** 3),
  IMPORT_MAX_COMPRESSION_RATIO: positiveInt.default(200),
  IMPORT_MAX_STRING_CHARS: positiveInt.default(8 * 1024 ** 2),
  IMPORT_MAX_MESSAGE_CHARS: positiveInt.default(1024 ** 2),
  IMPORT_MAX_JSON_DEPTH: positiveInt.default(64),
  IMPORT_MAX_RECORDS: positiveInt.default(20_000_000),
  IMPORT_MAX_PARSE_MS: positiveInt.default(30 * 60_000),
  IMPORT_MAX_PARSE_HEAP_MB: positiveInt.default(1024),
  IMPORT_MAX_QUEUED_PER_ORG: positiveInt.default(5),
  CLUSTER_MAX_QUEUED_PER_ORG: positiveInt.default(3),
  SEARCH_MAX_CONCURRENT_PER_ORG: positiveInt.default(8),
  SEARCH_TIMEOUT_S: positiveInt.default(60),

  JWT_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  JWT_ISSUER: z.string().default("chatlens"),
  JWT_AUDIENCE: z.string().default("chatlens-api"),
  ACCESS_TOKEN_TTL_S: positiveInt.default(900),
  REFRESH_TOKEN_TTL_S: positiveInt.default(14 * 24 * 3600),
  SESSION_ABSOLUTE_TTL_S: positiveInt.default(30 * 24 * 3600),
  REFRESH_REUSE_GRACE_S: z.coerce.number().int().min(0).default(10),
  MFA_ENCRYPTION_KEY: z.string().min(32, "must be at least 32 characters").optional(),
  OAUTH_SESSION_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  GOOGLE_CLIENT_ID: z.string().optional(),
  GOOGLE_CLIENT_SECRET: z.string().optional(),
  GOOGLE_ISSUER: z.url().default("https://accounts.google.com"),
  GITHUB_CLIENT_ID: z.string().optional(),
  GITHUB_CLIENT_SECRET: z.string().optional(),
  LOGIN_RATE_LIMIT: positiveInt.default(10),
  LOGIN_RATE_WINDOW_S: positiveInt.default(900),
  CREDENTIAL_RATE_LIMIT: positiveInt.default(5),
  CREDENTIAL_RATE_WINDOW_S: positiveInt.default(900),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  MAIL_FROM: z.string().default("chatlens <no-reply@localhost>"),
  MAIL_OUTBOX_DIR: z.string().optional(),
  EMAIL_VERIFY_TTL_S: positiveInt.default(3 * 24 * 3600),
  PASSWORD_RESET_TTL_S: positiveInt.default(3600),

  MODELS_DIR: z.string().optional(),
  DEFAULT_MODEL: z.string().default("use-lite"),
  ALLOW_REMOTE_MODELS: bool.default(false),
  EMBEDDER_DEVICE: z.enum(["cpu", "cuda", "webgpu", "auto"]).default("cpu"),
  EMBEDDER_THREADS: z.coerce.number().int().min(0).default(0),
  EMBEDDER_BATCH_NICE: z.coerce.number().int().min(0).max(19).default(10),
  EMBEDDER_GPU: bool.optional(),
  EMBED_BATCH_CHUNKS: positiveInt.default(64),
  EMBED_CONCURRENCY: positiveInt.default(2),
  MODEL_IDLE_UNLOAD_S: positiveInt.default(600),

  INDEX_DIR: z.string().optional(),
  INDEX_KEEP_VERSIONS: positiveInt.default(10),
  INDEX_COMMIT_INTERVAL_S: positiveInt.default(30),
  INDEX_ANN_THRESHOLD: positiveInt.default(20_000),
  INDEX_ENGINE: z.enum(["auto", "faiss", "usearch"]).default("auto"),
  CHATLENS_FAISS: z.enum(["auto", "off"]).default("auto"),
  INDEX_MEMORY_BUDGET_MB: positiveInt.default(2048),
  SEARCH_LOG_RETENTION_DAYS: positiveInt.default(90),
  KEYWORD_BM25_K1: z.coerce.number().min(0).max(10).default(1.2),
  KEYWORD_BM25_B: z.coerce.number().min(0).max(1).default(0.75),
  KEYWORD_WINDOW_MESSAGES: z.coerce.number().int().min(2).max(500).default(40),
  KEYWORD_WINDOW_GAP_MINUTES: positiveInt.default(30),
  KEYWORD_LANGUAGE: z.enum(["auto", "en", "es", "de", "fr", "pt", "it", "nl", "ru"]).default("auto"),
  KEYWORD_MAX_DATASETS: positiveInt.default(32),
  SEARCH_SEMANTIC_MIN_SCORE: z.coerce.number().min(-1).max(1).default(0.2),

  SENTRY_DSN: z.url().optional(),

  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).default(65_536),
  PASSWORD_HASH_TIME_COST: z.coerce.number().int().min(1).default(3),
  RATE_LIMIT_PREFIX: z.string().optional(),
  SESSION_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(10_000).default(2000),
  AUTH_PURGE_INTERVAL_S: z.coerce.number().int().min(0).default(3600),
  MFA_CHALLENGE_TTL_S: positiveInt.default(300),
  INVITATION_TTL_S: positiveInt.default(7 * 24 * 3600),
  OAUTH_CODE_TTL_S: positiveInt.default(60),
  OAUTH_REDIRECT_URL: z.string().default("/login/callback"),
  GITHUB_AUTH_URL: z.url().default("https://github.com/login/oauth/authorize"),
  GITHUB_TOKEN_URL: z.url().default("https://github.com/login/oauth/access_token"),
  GITHUB_API_URL: z.url().default("https://api.github.com"),
});

export type Env = z.output<typeof envSchema>;

/** Variables that must be set when NODE_ENV=production: they have no safe default. */
export const PRODUCTION_SECRETS = ["JWT_SECRET", "MFA_ENCRYPTION_KEY", "OAUTH_SESSION_SECRET"] as const;
