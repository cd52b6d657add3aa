import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../models/db.ts";
import { SERVERS } from "./servers.ts";

export type DatabaseKind = "pglite" | "postgres";

let template: Promise<Blob> | undefined;

/**
 * A migrated, empty PGlite database. initdb plus migrations take seconds, so the first call
 * builds a template and every later one loads its dump (well under a second).
 */
async function pgliteFromTemplate(): Promise<Database> {
  template ??= (async () => {
    const db = await openDatabase({});
    const dump = await db.pglite!.dumpDataDir("none");
    await db.close();
    return dump;
  })();
  return openDatabase({ loadDataDir: await template, migrate: false });
}

export interface IsolatedDatabase extends Database {
  /** postgres:// URL of the throwaway database, for child processes. */
  url?: string;
}

/** A fresh database of its own for one suite; `close()` drops it. */
export async function isolatedDatabase(kind: DatabaseKind = "pglite"): Promise<IsolatedDatabase> {
  if (kind === "pglite") return pgliteFromTemplate();
  const name = `chatlens_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: SERVERS.postgres.url });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const target = new URL(SERVERS.postgres.url);
  target.pathname = `/${name}`;
  const url = target.toString();
  const database = await openDatabase({ url, poolSize: 5 });
  const close = database.close;
  return Object.assign(database, {
    url,
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: SERVERS.postgres.url });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  });
}
