// Both vector engines in one run: bench/index-engine.ts once per engine (its own process each,
// so resident memory is measured cleanly), then one table. FAISS is skipped, and says so, where
// its binding was not built.
//
//   npx tsx bench/index-engines.ts [count=100000] [dim=512]
import { spawnSync } from "node:child_process";
import os from "node:os";
import { availableBackends } from "../services/index/engines.ts";

const count = process.argv[2] ?? "100000";
const dim = process.argv[3] ?? "512";
const rows: Array<Record<string, unknown>> = [];
for (const backend of ["faiss", "usearch"] as const) {
  if (!availableBackends().includes(backend)) {
    console.error(`${backend}: skipped (binding not built here)`);
    continue;
  }
  const run = spawnSync(process.execPath, ["--import", "tsx", "bench/index-engine.ts", count, dim, "hnsw", backend], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`${backend} run failed (${run.status})`);
  rows.push(JSON.parse(run.stdout) as Record<string, unknown>);
}
console.log(JSON.stringify({ machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`, runs: rows }, null, 2));
console.log(
  "\n| engine | vectors | build s | bytes/vector (RSS) | bytes/vector (file) | efSearch | recall@10 | p50 ms | p99 ms |",
);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of rows) {
  for (const s of r.sweep as Array<Record<string, number>>) {
    console.log(
      `| ${r.engine} | ${r.count} | ${r.buildSeconds} | ${r.bytesPerVectorRss} | ${r.bytesPerVectorFile} | ${s.efSearch} | ${s.recallAt10} | ${s.p50Ms} | ${s.p99Ms} |`,
    );
  }
}
