/**
 * WhatsApp parse throughput: chatlens's streaming parser against npm `whatsapp-chat-parser`
 * (Pustur) on the same generated export of 1,000,000 messages.
 *
 *   node --import tsx bench/parse-whatsapp.ts [messages]
 *
 * Each parser runs in its own child process so peak memory (max RSS) is its own.
 */
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

interface RunResult {
  messages: number;
  seconds: number;
  maxRssMiB: number;
}

const self = fileURLToPath(import.meta.url);
const ROUNDS = 3;

async function runChild(which: "ours" | "reference", file: string): Promise<void> {
  const started = process.hrtime.bigint();
  let messages = 0;
  if (which === "ours") {
    const { parseExport } = await import("../services/ingest/parse-export.ts");
    for await (const event of parseExport({ path: file, format: "whatsapp", options: { batchSize: 1000 } })) {
      if (event.type === "messages") messages += event.messages.length;
    }
  } else {
    const { parseString } = await import("whatsapp-chat-parser");
    messages = parseString(readFileSync(file, "utf8")).length;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: RunResult = { messages, seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(result));
}

/** Deterministic pseudo-random numbers, so every run parses the same file. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const AUTHORS = ["Anna Berg", "Tom", "+49 151 2345678", "Lisa Müller", "Carlos", "María José", "Jonas 🎸", "Mia"];
const WORDS_EN =
  "the a to and I you it is in for that on we be this with are have just so ok what when see tomorrow tonight dinner train late sorry thanks great love call later home work meeting photo really".split(
    " ",
  );
const WORDS_DE =
  "ich du wir das ist nicht und zu morgen heute abend essen zug später danke super liebe anrufen zuhause arbeit treffen foto wirklich noch schon mal gleich".split(
    " ",
  );
const SYSTEM = [
  "Anna Berg added Tom",
  "Tom left",
  "Lisa Müller changed the group description",
  "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them.",
];
const PLACEHOLDERS = [
  "<Media omitted>",
  "<Medien ausgeschlossen>",
  "This message was deleted",
  "Diese Nachricht wurde gelöscht.",
];

/** Writes an Android-style export (dd/mm/yyyy, 24 h) with English and German chatter. Also used by bench/import-whatsapp.ts. */
export async function generate(file: string, count: number): Promise<void> {
  const random = rng(42);
  const out = createWriteStream(file);
  let t = Date.UTC(2019, 0, 1, 8, 0);
  const pad = (n: number) => String(n).padStart(2, "0");
  const sentence = (words: string[], n: number) =>
    Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(" ");
  let chunk = "";
  for (let i = 0; i < count; i++) {
    t += Math.floor(random() * 600_000);
    const d = new Date(t);
    const header = `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - `;
    const r = random();
    let line: string;
    if (r < 0.02) line = header + SYSTEM[Math.floor(random() * SYSTEM.length)];
    else {
      const author = AUTHORS[Math.floor(random() * AUTHORS.length)];
      const words = random() < 0.5 ? WORDS_EN : WORDS_DE;
      let body: string;
      if (r < 0.06) body = PLACEHOLDERS[Math.floor(random() * PLACEHOLDERS.length)]!;
      else if (r < 0.11)
        body = `${sentence(words, 4 + Math.floor(random() * 10))}\n${sentence(words, 3 + Math.floor(random() * 12))}\n${sentence(words, 2 + Math.floor(random() * 6))}`;
      else body = sentence(words, 1 + Math.floor(random() * 18));
      line = `${header}${author}: ${body}`;
    }
    chunk += line + "\n";
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      chunk = "";
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.on("finish", () => resolve()));
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 1_000_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "chatlens-bench-"));
  const file = path.join(dir, "WhatsApp Chat with Bench.txt");
  try {
    await generate(file, count);
    const sizeMiB = statSync(file).size / 2 ** 20;
    const run = (which: string): RunResult =>
      JSON.parse(
        execFileSync(process.execPath, ["--import", "tsx", self, "--child", which, file], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        }),
      ) as RunResult;
    const loadBefore = os.loadavg();
    const rows: [string, RunResult][] = [];
    // Alternate reference and ours and keep each one's fastest run: the machine is shared, and the minimum is the least noisy estimate.
    for (let round = 0; round < ROUNDS; round++) {
      for (const which of ["reference", "ours"]) {
        const r = run(which);
        const prev = rows.find(([w]) => w === which);
        if (!prev) rows.push([which, r]);
        else if (r.seconds < prev[1].seconds) prev[1] = r;
      }
    }
    const ours = rows.find(([w]) => w === "ours")![1];
    const ref = rows.find(([w]) => w === "reference")![1];
    const rate = (r: RunResult) => Math.round(r.messages / r.seconds);
    console.log(
      `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
    );
    console.log(`input: ${count.toLocaleString("en")} messages generated, ${sizeMiB.toFixed(1)} MiB`);
    // The machine is shared: the load says how much the timings can be trusted.
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" / ");
    console.log(`load average (1 / 5 / 15 min): ${load(loadBefore)} before, ${load(os.loadavg())} after`);
    console.log("| parser | messages | seconds | messages/s | peak RSS (MiB) |");
    console.log("|---|---|---|---|---|");
    for (const [name, r] of [
      ["chatlens parseExport (streaming)", ours],
      ["whatsapp-chat-parser parseString (whole file in memory)", ref],
    ] as const) {
      console.log(
        `| ${name} | ${r.messages.toLocaleString("en")} | ${r.seconds.toFixed(2)} | ${rate(r).toLocaleString("en")} | ${Math.round(r.maxRssMiB)} |`,
      );
    }
    console.log(
      `speed ratio (ours / reference): ${(rate(ours) / rate(ref)).toFixed(2)}; peak memory ratio: ${(ours.maxRssMiB / ref.maxRssMiB).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Only when run as a script: bench/import-whatsapp.ts imports `generate` from here.
if (process.argv[1] && path.resolve(process.argv[1]) === self) {
  if (process.argv[2] === "--child") await runChild(process.argv[3] as "ours" | "reference", process.argv[4]!);
  else await main();
}
