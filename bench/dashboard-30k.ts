/**
 * Dashboard drawing time on a 30,000-message chat (test/helpers/big-chat.ts, 40 people,
 * two years): every activity table the dashboard asks for in one activityReport call, as
 * the analytics service runs it (cache cold), on embedded PGlite. With --busy, the default
 * model (USE-lite) embeds the chat's texts in this process meanwhile, as the embedder does
 * after an import (the "25 s while embedding ran"): the platform's runtime, with its
 * default threads and batch priority.
 *
 * Then each table alone (one call per table, same filter), to show where the time goes.
 *
 *   node --import tsx bench/dashboard-30k.ts [--busy] [--rounds=3]
 */
import os from "node:os";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { ACTIVITY_TABLES, activityReport } from "../services/analytics/report.ts";
import { bigChat } from "../test/helpers/big-chat.ts";
import { createChatDataset } from "../test/helpers/chat-fixtures.ts";
import { isolatedDatabase } from "../test/helpers/database.ts";
import { convertedUseLite } from "../test/unit/embedder/fixtures.ts";

const busy = process.argv.includes("--busy");
const rounds = Number(process.argv.find((a) => a.startsWith("--rounds="))?.split("=")[1] ?? 3);
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, Node ${process.version}${busy ? ", embedding meanwhile" : ""}`,
);
const database = await isolatedDatabase("pglite");
const chat = bigChat({ messages: 30_000, authors: 40 });
let t = performance.now();
const fx = await createChatDataset(database.db, { messages: chat.messages });
console.log(`wrote ${chat.messages.length} messages in ${((performance.now() - t) / 1000).toFixed(1)} s`);
const embedding = busy ? await embedMeanwhile(chat.messages.map((m) => m.text ?? "")) : undefined;
const filter = { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "Europe/Berlin" };
const options = { granularity: "week" as const, gapHours: 4, top: 20 };
// What other requests of this process feel meanwhile: the event loop's longest stall, seen by a
// 10 ms timer (a chain of promise callbacks holds timers back as much as synchronous code does).
let lastTick = performance.now();
let longestStall = 0;
let ticks = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestStall = Math.max(longestStall, now - lastTick);
  lastTick = now;
  ticks++;
}, 10);
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
clearInterval(ticker);
console.log(`event loop while the dashboards ran: ${ticks} timer ticks, longest stall ${longestStall.toFixed(0)} ms`);
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
if (embedding) console.log(`embedded meanwhile: ${await embedding.stop()} texts`);
await database.close();

/** Embeds `texts` in batches of 64 chunks' worth, over and over, until stopped. */
async function embedMeanwhile(texts: string[]) {
  const { path: dir } = await convertedUseLite();
  const embedder = await OnnxEmbedder.load(
    { id: "use-lite", path: dir, onnxFile: "onnx/model.onnx", dimension: 512, maxTokens: 128, matryoshka: false },
    { logger: { info() {}, warn: console.warn } },
  );
  let stopped = false;
  let done = 0;
  // Several calls in flight, as the embedder service keeps EMBED_CONCURRENCY batches queued: the
  // worker goes on while this thread is busy with the dashboard's queries.
  const loop = Promise.all(
    [0, 1, 2].map(async (lane) => {
      for (let i = lane * 512; !stopped; i = (i + 64 * 8 * 3) % texts.length) {
        // A chunk joins several messages: eight messages per text, 64 texts per call.
        const batch = Array.from({ length: 64 }, (_, j) => texts.slice(i + j * 8, i + j * 8 + 8).join("\n"));
        await embedder.embed(batch);
        done += batch.length;
      }
    }),
  );
  await embedder.embed(["warm-up"]);
  return {
    async stop() {
      stopped = true;
      await loop;
      await embedder.dispose();
      return done;
    },
  };
}
