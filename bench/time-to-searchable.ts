/**
 * Time to searchable, and search while the platform is busy (issue 18 point 5, issue 13 point 6).
 * One embedded platform (PGlite, every service in one process, as `npm start`):
 *  1. a small chat is uploaded and embedded; semantic searches on it give the idle p50;
 *  2. a large WhatsApp chat (default 30,000 messages, the chat-like length mix of
 *     bench/embed-corpus.ts) is uploaded; while its chunks are embedded, semantic searches on the
 *     small chat run one after another (busy p50: the query embedding must not wait behind the
 *     import's batches);
 *  3. the clock stops when every chunk of the large chat is embedded and indexed.
 * Reports both, the engine, and the load average (the machine must be quiet for the target).
 *
 *   npx tsx bench/time-to-searchable.ts [--messages 30000] [--threads 0 (= the platform default)]
 *   DEFAULT_MODEL=use-lite-int8 npx tsx bench/time-to-searchable.ts   (the quantised model)
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../config/index.ts";
import { createPlatform } from "../platform/platform.ts";
import { confirmationToken, outboxDirOf } from "../services/auth/mail-outbox.ts";
import { chatCorpus, whatsappExport as whatsapp } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: { messages: { type: "string", default: "30000" }, threads: { type: "string", default: "0" } },
});
const MESSAGES = Number(values.messages);
const QUERIES = [
  "where should we go hiking",
  "dinner plans for friday",
  "the dog is sick",
  "train delayed again",
  "birthday party",
  "fixing the kitchen tap",
];

const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-tts-"));
const config = loadConfig(
  {
    ...process.env,
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    PORT: "0",
    METRICS_ENABLED: "false",
    LOG_LEVEL: "warn",
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-01",
    MFA_ENCRYPTION_KEY: "bench-mfa-key-bench-mfa-key-bench-mfa-01",
    OAUTH_SESSION_SECRET: "bench-oauth-secret-bench-oauth-secret-01",
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    ...(Number(values.threads) > 0 ? { EMBEDDER_THREADS: values.threads } : {}),
  },
  { dotenv: false },
);
const platform = await createPlatform(config, { services: ["api", "auth", "ingest", "embedder", "index"] });
await platform.start();
const api = platform.broker.getLocalService("api") as unknown as { server: Server };
const base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;

async function call(method: string, url: string, token?: string, body?: unknown): Promise<any> {
  let res: Response;
  try {
    res = await send(method, url, token, body);
  } catch {
    // A kept-alive socket the server closed at the same moment (ECONNRESET): once more on a new one.
    res = await send(method, url, token, body);
  }
  const json = (await res.json().catch(() => undefined)) as any;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
function send(method: string, url: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(base + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
}
async function upload(token: string, datasetId: string, content: string): Promise<string> {
  const res = await fetch(
    `${base}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
    {
      method: "PUT",
      body: content,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    },
  );
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}
async function indexState(token: string, datasetId: string) {
  return call("GET", `/api/datasets/${datasetId}/index`, token);
}
const searchable = async (token: string, datasetId: string) => {
  const s = await indexState(token, datasetId);
  return s.pendingChunks === 0 && (s.index?.count ?? 0) > 0 ? s : undefined;
};
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 3_600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
async function search(token: string, datasetId: string, n: number): Promise<number> {
  const started = performance.now();
  await call("POST", "/api/search", token, { datasetId, query: QUERIES[n % QUERIES.length], mode: "semantic" });
  return performance.now() - started;
}
const p = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
};
const log = (...args: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

// Sign-up answers 202 without tokens (the same for a taken address): the confirmation link logs in.
const credentials = { email: `bench-${Date.now()}@bench.test`, password: "bench password 1234" };
await call("POST", "/api/auth/signup", undefined, credentials);
const owner = await call("POST", "/api/auth/signup/confirm", undefined, {
  token: await confirmationToken(outboxDirOf({ dataDir }), credentials.email),
  password: credentials.password,
});
const token = owner.accessToken as string;
const { id: small } = await call("POST", "/api/datasets", token, { name: "small" });
await upload(token, small, whatsapp(chatCorpus(300, 7), Date.UTC(2023, 0, 1)));
await until("small chat searchable", () => searchable(token, small));
for (let i = 0; i < 3; i++) await search(token, small, i); // warm-up
const idle: number[] = [];
for (let i = 0; i < 30; i++) idle.push(await search(token, small, i));
log(`idle semantic p50 ${p(idle, 0.5)} ms`);

const { id: large } = await call("POST", "/api/datasets", token, { name: "large" });
const text = whatsapp(chatCorpus(MESSAGES, 42), Date.UTC(2024, 0, 1));
const loadBefore = os.loadavg();
// CPU seconds of this process (every service and worker thread): under load, wall time says
// little, while CPU time divided by the cores a quiet machine gives is a floor for the quiet time.
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const cpuAtUpload = cpuSeconds();
const uploaded = performance.now();
const importId = await upload(token, large, text);
let importedAt: number | undefined;
let cpuAtImport: number | undefined;
const busy: number[] = [];
let busyErrors = 0;
let done = false;
const searching = (async () => {
  for (let i = 0; !done; i++) {
    try {
      const s = await indexState(token, large);
      // Only while the large chat's chunks are being embedded.
      if (s.pendingChunks > 0) busy.push(await search(token, small, i));
    } catch (err) {
      // A search that times out on an overloaded machine is a data point, not the end of the run.
      busyErrors++;
      log(`busy search failed: ${(err as Error).message.slice(0, 160)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
})();
await until("import", async () => {
  const st = (await call("GET", `/api/imports/${importId}`, token)).status;
  if (st === "failed") throw new Error("import failed");
  if (st === "completed") {
    importedAt ??= performance.now();
    cpuAtImport ??= cpuSeconds();
  }
  return st === "completed" || undefined;
});
const state = await until("large chat searchable", () => searchable(token, large));
const searchableAt = performance.now();
const cpuAtSearchable = cpuSeconds();
done = true;
await searching;
const loadAfter = os.loadavg();
console.log(
  JSON.stringify(
    {
      machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
      messages: MESSAGES,
      chunks: state.index.count,
      engine: `${state.index.backend} ${state.index.engine}`,
      model: config.DEFAULT_MODEL,
      importSeconds: Math.round((importedAt! - uploaded) / 100) / 10,
      cpuSeconds: {
        import: Math.round((cpuAtImport! - cpuAtUpload) * 10) / 10,
        total: Math.round((cpuAtSearchable - cpuAtUpload) * 10) / 10,
      },
      timeToSearchableSeconds: Math.round((searchableAt - uploaded) / 100) / 10,
      search: {
        idleP50Ms: p(idle, 0.5),
        idleP99Ms: p(idle, 0.99),
        busyP50Ms: busy.length ? p(busy, 0.5) : null,
        busyP99Ms: busy.length ? p(busy, 0.99) : null,
        busySamples: busy.length,
        busyErrors,
        ratioP50: busy.length ? Math.round((p(busy, 0.5) / p(idle, 0.5)) * 100) / 100 : null,
      },
      loadAverage: {
        before: loadBefore.map((x) => Math.round(x * 10) / 10),
        after: loadAfter.map((x) => Math.round(x * 10) / 10),
      },
    },
    null,
    2,
  ),
);
await platform.stop();
rmSync(dataDir, { recursive: true, force: true });
