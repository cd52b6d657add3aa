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
import { importPathParams } from "../services/ingest/operator-commands.ts";
import { positional } from "../core/operator.ts";
import { parseCommandLine } from "../platform/operator-commands.ts";
import { runOnce } from "./cli.ts";

// The same arguments as the operator command `import:path`, but the ingest service runs here.
const parsed = parseCommandLine(["import:path", ...process.argv.slice(2)]);
if (!parsed) {
  console.error(
    "Usage: import <datasetId> <path> [--format f] [--time-zone zone] [--days-first true|false] [--conversation-name name]",
  );
  process.exit(2);
}

await runOnce(
  () => ({ services: ["ingest"] }),
  async (broker) => {
    const row = (await broker.call(
      "ingest.importPath",
      {
        ...importPathParams(
          positional(parsed.args, "datasetId"),
          positional(parsed.args, "path"),
          parsed.args.options ?? {},
        ),
        wait: true,
      },
      {
        meta: { system: true },
        nodeID: broker.nodeID,
      },
    )) as { status: string };
    return { result: row, ok: row.status === "completed" };
  },
);
