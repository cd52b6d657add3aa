import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import { openDatabase, type Database } from "../../../models/db.ts";
import { datasets, imports, orgs } from "../../../models/schema.ts";
import { reapInterrupted, runImport } from "../../../services/ingest/import-job.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { startNodeProcess } from "../../helpers/processes.ts";
import { isReachable } from "../../helpers/servers.ts";
import { whatsappLines } from "../ingest/generators.ts";

/**
 * kill -9 of a node in the middle of an import, then the same file uploaded again, with the
 * reaper running before or after: the dataset must end with exactly the file's messages. (The
 * bug: the re-upload deduplicated against the dead import's rows and added nothing, then the
 * reaper removed those rows, leaving an empty dataset.)
 */
const MESSAGES = 5000; // three write batches of 2000, 2000, 1000
const STALE_MS = 1500;
const SCRIPT = "test/integration/faults/import-node.ts";

/** When the node is frozen and killed: nothing written yet, one batch written, every batch written but not marked completed. */
const STOP_POINTS = ["before:1", "after:1", "after:3"] as const;
/** How the re-upload meets the dead import. */
const REUPLOADS = {
  "right away (the dead import's heartbeat still fresh)": { reapFirst: false, nodeKnownGone: false },
  "right away, the cluster already knowing the node is gone": { reapFirst: false, nodeKnownGone: true },
  "after the reaper has run": { reapFirst: true, nodeKnownGone: false },
} as const;

for (const kind of ["pglite", "postgres"] as const) {
  describe(`faults: import killed -9, re-uploaded (${kind})`, function () {
    this.timeout(360_000);
    const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-import-crash-"));
    const file = path.join(dir, "chat.txt");
    const pgliteDir = path.join(dir, "pglite");
    let server: IsolatedDatabase | undefined;
    let database: Database | undefined;
    let orgId: string;

    /** The parent's connection; PGlite allows one process at a time, so it is closed while the child runs. */
    const open = async () =>
      (database ??= server ?? (await openDatabase({ dataDir: pgliteDir, migrate: kind === "pglite" })));
    const release = async () => {
      if (kind === "pglite") {
        await database?.close();
        database = undefined;
      }
    };

    before(async function () {
      if (kind === "postgres") {
        if (!(await isReachable("postgres"))) {
          if (process.env.CI === "true") throw new Error("CI=true and PostgreSQL is unreachable");
          this.skip();
        }
        server = await isolatedDatabase("postgres");
      }
      writeFileSync(file, whatsappLines(0, MESSAGES));
      const db = (await open()).db;
      orgId = (await db.insert(orgs).values({ name: "crash" }).returning({ id: orgs.id }))[0]!.id;
    });
    after(async () => {
      await database?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function newImport(datasetId: string, nodeId: string): Promise<string> {
      const [row] = await (
        await open()
      ).db
        .insert(imports)
        .values({ orgId, datasetId, filename: "chat.txt", status: "queued", nodeId, heartbeatAt: new Date() })
        .returning({ id: imports.id });
      return row!.id;
    }

    for (const stopAt of STOP_POINTS)
      for (const [how, o] of Object.entries(REUPLOADS))
        it(`killed at ${stopAt}, re-uploaded ${how}: exactly the file's messages`, async () => {
          const db = (await open()).db;
          const [ds] = await db
            .insert(datasets)
            .values({ orgId, name: `${stopAt} ${how}`, modelId: "test-model" })
            .returning({ id: datasets.id });
          const datasetId = ds!.id;
          const deadNode = `ingest-${randomUUID().slice(0, 8)}`;
          const first = await newImport(datasetId, deadNode);
          await release();

          const child = await startNodeProcess(
            SCRIPT,
            {
              ...(server ? { DATABASE_URL: server.url! } : { PGLITE_DIR: pgliteDir }),
              ORG_ID: orgId,
              DATASET_ID: datasetId,
              IMPORT_ID: first,
              FILE: file,
              NODE_ID: deadNode,
              STOP_AT: stopAt,
            },
            /FROZEN|DONE/,
            60_000,
          );
          expect(child.output()).to.match(/FROZEN/);
          const exited = new Promise((resolve) => child.child.once("exit", resolve));
          child.child.kill("SIGKILL");
          await exited;

          const database = await open();
          const written = await count(database, datasetId);
          expect(written, "rows the dead import left").to.equal(
            stopAt === "before:1" ? 0 : stopAt === "after:1" ? 2000 : MESSAGES,
          );

          if (o.reapFirst) expect(await reapInterrupted(database, { staleBeforeMs: 0 })).to.include(first);
          const second = await newImport(datasetId, "survivor");
          const outcome = await runImport(
            database,
            {
              orgId,
              datasetId,
              importId: second,
              path: file,
              filename: "chat.txt",
              format: "whatsapp",
              options: { daysFirst: true },
              removeFile: false,
            },
            {
              nodeId: "survivor",
              staleAfterMs: STALE_MS,
              waitPollMs: 100,
              nodeAlive: (id) => (o.nodeKnownGone && id === deadNode ? false : undefined),
            },
          );
          expect(outcome.ok, JSON.stringify(outcome)).to.equal(true);
          // The reaper runs again afterwards (any time later): it must take nothing away.
          await reapInterrupted(database, { staleBeforeMs: 0 });

          expect(await count(database, datasetId)).to.equal(MESSAGES);
          const [distinct] = await database.rows<{ n: string }>(
            sql`select count(distinct source_key) as n from messages where dataset_id = ${datasetId}`,
          );
          expect(Number(distinct!.n)).to.equal(MESSAGES);
          const rows = await database.db
            .select({ id: imports.id, status: imports.status, added: imports.messagesAdded })
            .from(imports)
            .where(eq(imports.datasetId, datasetId));
          const byId = new Map(rows.map((r) => [r.id, r]));
          expect(byId.get(first)?.status).to.equal("failed");
          expect(byId.get(second)).to.include({ status: "completed", added: MESSAGES });
        });
  });
}

async function count(database: Database, datasetId: string): Promise<number> {
  const [row] = await database.rows<{ n: string }>(
    sql`select count(*) as n from messages where dataset_id = ${datasetId}`,
  );
  return Number(row!.n);
}
