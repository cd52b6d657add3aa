/**
 * Dashboard drawing time on a 30,000-message chat (test/helpers/big-chat.ts, 40 people,
 * two years): every activity table the dashboard asks for in one activityReport call, as
 * the analytics service runs it (cache cold), on embedded PGlite. With --busy, a worker
 * thread spins on its own core meanwhile, standing in for the embedder that runs after an
 * import (the "25 s while embedding ran").
 *
 * Then each table alone (one call per table, same filter), to show where the time goes.
 *
 *   node --import tsx bench/dashboard-30k.ts [--busy] [--rounds=3]
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { ACTIVITY_TABLES, activityReport } from "../services/analytics/report.ts";
import { bigChat } from "../test/helpers/big-chat.ts";
import { createChatDataset } from "../test/helpers/chat-fixtures.ts";
import { isolatedDatabase } from "../test/helpers/database.ts";

const busy = process.argv.includes("--busy");
const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.split("=")[1] ?? 3);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, Node ${process.version}${busy ? ", one busy worker thread" : ""}`,
);
const database = await isolatedDatabase("pglite");
const chat = bigChat({ messages: 30_000, authors: 40 });
let t = performance.now();
const fx = await createChatDataset(database.db, { messages: chat.messages });
console.log(`wrote ${chat.messages.length} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const spinner = busy ? new Worker("for (;;) {}", { eval: true }) : undefined;
const filter = { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "Europe/Berlin" };
const options = { granularity: "week" as const, gapHours: 4, top: 20 };
for (let r = 0; r < rounds; r++) {
  t = performance.now();
  const report = await activityReport(database.db, filter, options);
  const all = performance.now() - t;
  t = performance.now();
  await activityReport(database.db, { ...filter, participantIds: [fx.participantIds[chat.authors[1]!]!] }, options);
  const person = performance.now() - t;
  console.log(
    `round ${r + 1}: whole dashboard ${(all / 1000).toFixed(2)} s (${report.summary!.total} messages, ${report.people!.length} people); filtered to one person ${(person / 1000).toFixed(2)} s`,
  );
}
const each: string[] = [];
for (const table of ACTIVITY_TABLES) {
  t = performance.now();
  await activityReport(database.db, filter, options, [table]);
  each.push(`${table} ${((performance.now() - t) / 1000).toFixed(2)} s`);
}
console.log(`each table alone: ${each.join(", ")}`);
console.log(
  `load at the end ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
await spinner?.terminate();
await database.close();
