/**
 * A node that runs one import (runImport, as the ingest service does) and, when told, freezes at a
 * chosen point so the test can kill -9 it there: `STOP_AT=before:N` just before the N-th message
 * batch is written, `after:N` once it is committed (the last batch: everything written, the import
 * not yet marked completed). Prints FROZEN when it stops there, DONE <json> when it ends.
 */
import { openDatabase, type Database } from "../../../models/db.ts";
import { runImport } from "../../../services/ingest/import-job.ts";

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const [when, nth] = (process.env.STOP_AT ?? "never:0").split(":") as ["before" | "after" | "never", string];
const stopAt = Number(nth);
let batches = 0;

const freeze = (): Promise<never> => {
  console.log(`FROZEN ${when}:${stopAt}`);
  return new Promise<never>(() => {});
};

const database: Database = await openDatabase(
  process.env.DATABASE_URL
    ? { url: process.env.DATABASE_URL, migrate: false }
    : { dataDir: env("PGLITE_DIR"), migrate: false },
);
const rows = database.rows.bind(database);
database.rows = (async (query: Parameters<Database["rows"]>[0]) => {
  const isBatch = JSON.stringify(query.queryChunks.slice(0, 1)).includes("insert into messages");
  if (!isBatch) return rows(query);
  batches++;
  if (when === "before" && batches === stopAt) await freeze();
  const result = await rows(query);
  if (when === "after" && batches === stopAt) await freeze();
  return result;
}) as Database["rows"];

const outcome = await runImport(
  database,
  {
    orgId: env("ORG_ID"),
    datasetId: env("DATASET_ID"),
    importId: env("IMPORT_ID"),
    path: env("FILE"),
    filename: "chat.txt",
    format: "whatsapp",
    options: { daysFirst: true },
    removeFile: false,
  },
  { nodeId: process.env.NODE_ID ?? "import-node" },
);
console.log(`DONE ${JSON.stringify({ ok: outcome.ok, added: outcome.ok ? outcome.summary.messagesAdded : 0 })}`);
await database.close();
