import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema.ts";

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
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.url) return openPostgres(options);
  return openPglite(options);
}

async function openPglite(options: OpenOptions): Promise<Database> {
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create(options.dataDir, { loadDataDir: options.loadDataDir });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  if (options.migrate !== false) await migratePglite(db as never, { migrationsFolder: MIGRATIONS_DIR });
  return {
    db,
    kind: "pglite",
    pglite: client,
    async ping() {
      await client.query("select 1");
    },
    async rows(query) {
      return ((await db.execute(query)) as unknown as { rows: never[] }).rows;
    },
    async close() {
      if (!client.closed) await client.close();
    },
  };
}

async function openPostgres(options: OpenOptions): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
  });
  // An idle client that loses its server emits "error"; without a listener that kills the process.
  pool.on("error", () => {});
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  if (options.migrate !== false) await migrateUnderLock(pool, db);
  return {
    db,
    kind: "postgres",
    pool,
    async ping() {
      await pool.query("select 1");
    },
    async rows(query) {
      return ((await db.execute(query)) as unknown as { rows: never[] }).rows;
    },
    async close() {
      await pool.end();
    },
  };
}

/** Several nodes may start at once against one server: only one migrates at a time. */
async function migrateUnderLock(pool: pg.Pool, db: Db): Promise<void> {
  const lockId = 727_274_001;
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [lockId]);
    await migratePg(db as never, { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query("select pg_advisory_unlock($1)", [lockId]).catch(() => {});
    client.release();
  }
}
