import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { envSchema, PRODUCTION_SECRETS, type Env } from "./schema.ts";
import { publicSecrets } from "./committed-secrets.ts";

/** The installed tree (this file is config/index.ts): where the committed deploy files lie. */
const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export { SERVICE_NAMES, type ServiceName } from "./schema.ts";

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

type Secret = (typeof PRODUCTION_SECRETS)[number];

export interface Config extends Omit<Env, Secret> {
  dataDir: string;
  dbDir: string;
  indexDir: string;
  modelsDir: string;
  uploadDir: string;
  isProduction: boolean;
  logFormat: "json" | "pretty";
  secrets: Record<Secret, string>;
}

/** Reads `.env` (if present) under the process environment: real environment variables win. */
function withDotenv(env: NodeJS.ProcessEnv, cwd: string): NodeJS.ProcessEnv {
  const file = path.join(cwd, ".env");
  if (!existsSync(file)) return env;
  return { ...parseDotenv(readFileSync(file)), ...env };
}

/**
 * Outside production a missing secret is generated once and kept in DATA_DIR, so tokens
 * survive a restart on a laptop without anyone inventing a password; production refuses.
 */
function developmentSecrets(dataDir: string, given: Partial<Record<Secret, string>>): Record<Secret, string> {
  const file = path.join(dataDir, "dev-secrets.json");
  let stored: Partial<Record<Secret, string>> = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8"));
  const out = {} as Record<Secret, string>;
  let changed = false;
  for (const name of PRODUCTION_SECRETS) {
    const value = given[name] ?? stored[name];
    if (value) out[name] = value;
    else {
      out[name] = randomBytes(32).toString("base64url");
      stored[name] = out[name];
      changed = true;
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored, null, 2), { mode: 0o600 });
  }
  return out;
}

export interface LoadOptions {
  cwd?: string;
  /** Read `.env` from cwd (default true; tests pass false). */
  dotenv?: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const source = options.dotenv === false ? env : withDotenv(env, cwd);
  // Empty strings mean "unset", as in most twelve-factor tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "(environment)"}: ${i.message}`));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  if (isProduction) {
    const missing = PRODUCTION_SECRETS.filter((name) => !e[name]);
    if (missing.length)
      throw new ConfigError(
        missing.map((name) => `${name}: required when NODE_ENV=production (no default for secrets)`),
      );
    const published = publicSecrets(Object.fromEntries(PRODUCTION_SECRETS.map((n) => [n, e[n]])), REPO_ROOT);
    if (published.length)
      throw new ConfigError(
        published.map(
          (name) =>
            `${name}: this value is written in the repository (or is a placeholder); generate a new one, e.g. openssl rand -base64 48`,
        ),
      );
  }
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const given = Object.fromEntries(PRODUCTION_SECRETS.map((n) => [n, e[n]])) as Partial<Record<Secret, string>>;
  const secrets = isProduction ? (given as Record<Secret, string>) : developmentSecrets(dataDir, given);
  const { JWT_SECRET: _j, MFA_ENCRYPTION_KEY: _m, OAUTH_SESSION_SECRET: _o, ...rest } = e;
  return {
    ...rest,
    dataDir,
    dbDir: path.join(dataDir, "db"),
    indexDir: path.resolve(cwd, e.INDEX_DIR ?? path.join(dataDir, "indexes")),
    modelsDir: path.resolve(cwd, e.MODELS_DIR ?? path.join(dataDir, "models")),
    uploadDir: path.join(dataDir, "uploads"),
    isProduction,
    logFormat: e.LOG_FORMAT ?? (isProduction ? "json" : "pretty"),
    secrets,
  };
}
