import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg, type NodePgDatabase } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema.ts";
import { rowsOf } from "./sql.ts";

export type Schema = typeof schema;
/** The query builder both drivers share; domain code is written against this type only. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** Runs `select 1`; throws when the database is unreachable. */
  ping(): Promise<void>;
  /** Rows of a raw query, the same shape on both drivers. */
  rows<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
  /** The PGlite instance when embedded (for dumps in tests), else undefined. */
  pglite?: PGlite;
  /** The pg pool when on a server, else undefined. */
  pool?: pg.Pool;
  /** The server's connection string when on a server (another pool may open on it), else undefined. */
  url?: string;
}

export interface OpenOptions {
  /** postgres://… to use a server; otherwise PGlite. */
  url?: string;
  /** PGlite data directory; omitted = in memory. */
  dataDir?: string;
  /** PGlite: start from a dump made by `dumpDataDir()` (fast isolated test databases). */
  loadDataDir?: Blob | File;
  migrate?: boolean;
  poolSize?: number;
  /**
   * PostgreSQL: the server cancels any statement of this pool running longer (statement_timeout),
   * so work a caller stopped waiting for does not run on; `applicationName` shows the pool in
   * pg_stat_activity. PGlite runs each query on this thread and has no such limit.
   */
  statementTimeoutMs?: number;
  applicationName?: string;
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.url) return openPostgres(options);
  return openPglite(options);
}

async function openPglite(options: OpenOptions): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create(options.dataDir, { loadDataDir: options.loadDataDir });
  yieldBeforeEachQuery(client);
  const pgliteDb = drizzlePglite(client, { schema });
  if (options.migrate !== false) await migratePglite(pgliteDb, { migrationsFolder: MIGRATIONS_DIR });
  const db: Db = pgliteDb;
  return {
    db,
    kind: "pglite",
    pglite: client,
    async ping() {
      await client.query("select 1");
    },
    rows: <T>(query: ReturnType<typeof sql>) => rowsOf<T>(db, query),
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

/**
 * PGlite runs PostgreSQL on this thread, and a query's promise settles through a chain of
 * promise callbacks, so back-to-back queries (a dashboard's twenty) held every timer, socket and
 * worker message of the process back until the last one ended: 0 timer ticks in 1.8 s of
 * dashboard on a 30k-message chat, the gateway and the embedder's feed included. One turn of the
 * event loop before each query lets other requests in between; a lone query still runs whole.
 */
function yieldBeforeEachQuery(client: PGlite): void {
  const query = client.query.bind(client);
  client.query = (async (...args: Parameters<typeof query>) => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return query(...args);
  }) as typeof client.query;
}

async function openPostgres(options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.applicationName ? { application_name: options.applicationName } : {}),
  });
  // An idle client that loses its server emits "error"; without a listener that kills the process.
  pool.on("error", () => {});
  const pgDb = drizzlePg(pool, { schema });
  const db: Db = pgDb;
  if (options.migrate !== false)
    await migrateUnderLock(pool, pgDb).catch(async (err: unknown) => {
      // A failed start-up attempt must not leave its pool behind (the next attempt opens another).
      await pool.end().catch(() => {});
      throw err;
    });
  return {
    db,
    kind: "postgres",
    pool,
    url: options.url,
    async ping() {
      await pool.query("select 1");
    },
    rows: <T>(query: ReturnType<typeof sql>) => rowsOf<T>(db, query),
    async close() {
      await pool.end();
    },
  };
}

/** PostgreSQL's answer to a statement cancelled by statement_timeout (or a cancel request). */
export function isStatementCancelled(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === "57014") return true;
  }
  return false;
}

/** Several nodes may start at once against one server: only one migrates at a time. */
async function migrateUnderLock(pool: pg.Pool, db: NodePgDatabase<Schema>): Promise<void> {
  const lockId = 727_274_001;
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [lockId]);
    await migratePg(db, { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [lockId]).catch(() => {});
    client.release();
  }
}

/** Error codes of a database that cannot be reached (yet): worth waiting for, unlike a wrong password or a missing database. */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  // PostgreSQL: starting up or shutting down, too many connections, connection failures.
  "57P03",
  "57P01",
  "53300",
  "08000",
  "08001",
  "08004",
  "08006",
]);

/** The fields of a thrown value that tell what failed, each still to be checked (drivers throw all sorts). */
type ErrorFields = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
const errorFields = (e: unknown): ErrorFields | undefined => (typeof e === "object" && e !== null ? e : undefined);

export function isUnreachableError(err: unknown): boolean {
  for (let e = errorFields(err), depth = 0; e && depth < 5; e = errorFields(e.cause), depth++) {
    if (typeof e.code === "string" && UNREACHABLE_CODES.has(e.code)) return true;
    if (Array.isArray(e.errors) && e.errors.some(isUnreachableError)) return true;
    if (
      typeof e.message === "string" &&
      /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED/i.test(e.message)
    )
      return true;
  }
  return false;
}

/** Where the database is, for messages: host and port of DATABASE_URL (never its password). */
export function databaseTarget(
  url: string | undefined,
): { variable: "DATABASE_URL"; host: string; port: number; database: string } | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return {
      variable: "DATABASE_URL",
      host: u.hostname,
      port: Number(u.port || 5432),
      database: decodeURIComponent(u.pathname.slice(1)) || "postgres",
    };
  } catch {
    return undefined;
  }
}

/** The database stayed unreachable for the whole start-up wait. `code` is DATABASE_UNREACHABLE. */
export class DatabaseUnreachableError extends Error {
  readonly code = "DATABASE_UNREACHABLE";
  constructor(
    readonly target: NonNullable<ReturnType<typeof databaseTarget>>,
    readonly attempts: number,
    readonly waitedMs: number,
    override readonly cause: unknown,
  ) {
    super(
      `The database at ${target.host}:${target.port} (${target.variable}) is unreachable: ${(cause as Error)?.message ?? String(cause)}; ` +
        `gave up after ${attempts} attempts in ${Math.round(waitedMs / 1000)} s (DATABASE_STARTUP_WAIT_S)`,
    );
    this.name = "DatabaseUnreachableError";
  }

  /** One JSON-able record for logs and the start-up failure line. */
  toJSON() {
    return {
      code: this.code,
      message: this.message,
      variable: this.target.variable,
      host: this.target.host,
      port: this.target.port,
      attempts: this.attempts,
      waitedMs: this.waitedMs,
    };
  }
}

export interface RetryInfo {
  code: "DATABASE_UNREACHABLE";
  variable: "DATABASE_URL";
  host: string;
  port: number;
  attempt: number;
  retryInMs: number;
  error: string;
}

export interface RetryOptions {
  /** How long to keep trying before giving up (DATABASE_STARTUP_WAIT_S); 0 = one attempt. */
  waitMs: number;
  /** First pause; doubled after each failure up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (info: RetryInfo) => void;
  signal?: AbortSignal;
}

/**
 * openDatabase, retried with exponential back-off while a PostgreSQL server cannot be reached
 * (it may still be starting, as in a compose or Kubernetes roll-out). Other failures (a wrong
 * password, a missing database, a failing migration) are thrown at once: waiting cannot fix them.
 * After `waitMs` a DatabaseUnreachableError names the host and the variable to check.
 */
export async function openDatabaseWithRetry(options: OpenOptions, retry: RetryOptions): Promise<Database> {
  const target = databaseTarget(options.url);
  if (!target) return openDatabase(options);
  const started = Date.now();
  let delay = retry.initialDelayMs ?? 500;
  const maxDelay = retry.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await openDatabase(options);
    } catch (err) {
      if (!isUnreachableError(err)) throw err;
      const waited = Date.now() - started;
      const left = retry.waitMs - waited;
      if (left <= 0 || retry.signal?.aborted) throw new DatabaseUnreachableError(target, attempt, waited, err);
      const pause = Math.min(delay, left);
      retry.onRetry?.({
        code: "DATABASE_UNREACHABLE",
        variable: "DATABASE_URL",
        host: target.host,
        port: target.port,
        attempt,
        retryInMs: pause,
        error: (err as Error).message,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        retry.signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
      });
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}
