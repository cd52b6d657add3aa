/**
 * End-to-end import throughput: a generated WhatsApp export (bench/parse-whatsapp.ts's
 * generator: realistic lengths, multi-line and system messages, English and German) imported
 * through the ingest service (`ingest.importPath`: queue, pre-check, streaming parse, batched
 * deduplicating inserts, summary) into PGlite and into PostgreSQL.
 *
 *   node --import tsx bench/import-whatsapp.ts [messages] [pglite,postgres]
 *
 * Each database runs in its own child process, so peak memory (RSS sampled every 100 ms, and
 * the kernel's max RSS) is that import's own. A second import of the same file measures the
 * deduplicating path (nothing added). PostgreSQL: TEST_POSTGRES_URL or 127.0.0.1:5432.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generate } from "./parse-whatsapp.ts";

interface RunResult {
  db: string;
  messages: number;
  added: number;
  seconds: number;
  reimportSeconds: number;
  reimportAdded: number;
  peakRssMiB: number;
  maxRssMiB: number;
}

const self = fileURLToPath(import.meta.url);
const PG_URL = process.env.TEST_POSTGRES_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function runChild(kind: "pglite" | "postgres", file: string): Promise<void> {
  const { default: pg } = await import("pg");
  const { sql } = await import("drizzle-orm");
  const { loadConfig } = await import("../config/index.ts");
  const { openDatabase } = await import("../models/db.ts");
  const { createPlatform } = await import("../platform/platform.ts");
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-bench-import-"));
  let dbName: string | undefined;
  let url: string | undefined;
  if (kind === "postgres") {
    dbName = `chatlens_bench_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(PG_URL);
    u.pathname = `/${dbName}`;
    url = u.toString();
  }
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const config = loadConfig(
      {
        NODE_ENV: "test",
        DATA_DIR: dataDir,
        METRICS_ENABLED: "false",
        LOG_LEVEL: "warn",
        ...(url ? { DATABASE_URL: url } : {}),
      },
      { dotenv: false },
    );
    // On disk, as in production (PGlite under DATA_DIR/db); created and migrated before the clock starts.
    const database = await openDatabase({ url, dataDir: url ? undefined : config.dbDir });
    const platform = await createPlatform(config, { services: ["ingest"], database });
    await platform.start();
    const [org] = await database.rows<{ id: string }>(sql`insert into orgs (name) values ('bench') returning id`);
    const [ds] = await database.rows<{ id: string }>(
      sql`insert into datasets (org_id, name, model_id) values (${org!.id}, 'bench', 'use-lite') returning id`,
    );
    const importOnce = async () => {
      const started = process.hrtime.bigint();
      const row = (await platform.broker.call("ingest.importPath", {
        datasetId: ds!.id,
        path: file,
        format: "whatsapp",
        wait: true,
      })) as {
        status: string;
        messagesRead: number;
        messagesAdded: number;
        error: unknown;
      };
      if (row.status !== "completed") throw new Error(`import ${row.status}: ${JSON.stringify(row.error)}`);
      return { row, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
    };
    const first = await importOnce();
    const second = await importOnce();
    await platform.stop();
    await database.close();
    const result: RunResult = {
      db: kind,
      messages: first.row.messagesRead,
      added: first.row.messagesAdded,
      seconds: first.seconds,
      reimportSeconds: second.seconds,
      reimportAdded: second.row.messagesAdded,
      peakRssMiB: peak / 2 ** 20,
      maxRssMiB: process.resourceUsage().maxRSS / 1024,
    };
    process.stdout.write(JSON.stringify(result));
  } finally {
    clearInterval(sampler);
    rmSync(dataDir, { recursive: true, force: true });
    if (dbName) {
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000);
  const kinds = (process.argv[3] ?? "pglite,postgres").split(",");
  const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-bench-"));
  const file = path.join(dir, "WhatsApp Chat with Bench.txt");
  try {
    await generate(file, count);
    const sizeMiB = statSync(file).size / 2 ** 20;
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    );
    console.log(`input: ${count.toLocaleString("en")} messages generated, ${sizeMiB.toFixed(1)} MiB`);
    console.log(
      "| database | messages | added | seconds | messages/s | re-import (s, added) | peak RSS sampled (MiB) | max RSS (MiB) |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    for (const kind of kinds) {
      const r = JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", self, "--child", kind, file], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
          stdio: ["ignore", "pipe", "inherit"],
        }),
      ) as RunResult;
      console.log(
        `| ${r.db} | ${r.messages.toLocaleString("en")} | ${r.added.toLocaleString("en")} | ${r.seconds.toFixed(1)} | ${Math.round(r.messages / r.seconds).toLocaleString("en")} | ${r.reimportSeconds.toFixed(1)} s, ${r.reimportAdded} | ${Math.round(r.peakRssMiB)} | ${Math.round(r.maxRssMiB)} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--child") await runChild(process.argv[3] as "pglite" | "postgres", process.argv[4]!);
else await main();
