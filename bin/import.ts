/**
 * Import a chat export from a path on this machine, waiting for the job to end:
 *
 *   node --import tsx bin/import.ts <datasetId> <path> [--format whatsapp] [--time-zone Europe/Berlin]
 *     [--days-first true|false] [--conversation-name "Family"]
 *
 * The ingest service runs in this process (the file is on this machine's disk), against the
 * configured database: DATABASE_URL, or the embedded PGlite under DATA_DIR, which only one
 * process can open — while the server runs embedded, use the REPL command `import:path` instead.
 * With TRANSPORTER=nats://… this process joins the cluster (import.completed reaches the
 * embedder) and runs the import itself.
 */
import { loadConfig } from "../config/index.ts";
import { importPathParams } from "../services/ingest/operator-commands.ts";
import { createPlatform } from "../services/platform.ts";

const [datasetId, file, ...rest] = process.argv.slice(2);
if (!datasetId || !file) {
  console.error("Usage: import <datasetId> <path> [--format f] [--time-zone zone] [--days-first true|false] [--conversation-name name]");
  process.exit(2);
}
const options: Record<string, string> = {};
rest.forEach((v, i) => {
  if (v.startsWith("--") && rest[i + 1] !== undefined) options[v.slice(2)] = rest[i + 1]!;
});

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", METRICS_ENABLED: "false" });
const platform = await createPlatform(config, { services: ["ingest"] });
await platform.start();
let code = 0;
try {
  const row = await platform.broker.call("ingest.importPath", { ...importPathParams(datasetId, file, options), wait: true }, {
    meta: { system: true },
    nodeID: platform.broker.nodeID,
  });
  console.log(JSON.stringify(row, null, 2));
  if ((row as { status: string }).status !== "completed") code = 1;
} catch (err) {
  console.error(`${(err as { type?: string }).type ?? "ERROR"}: ${(err as Error).message}`);
  code = 1;
} finally {
  await platform.stop();
}
process.exit(code);
