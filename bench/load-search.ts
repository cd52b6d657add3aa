/**
 * Search under load, as users feel it: USERS signed-in users in ORGS organisations search their
 * org's dataset (keyword, semantic and hybrid in turn, each user with at most one request in
 * flight, no think time) over HTTP on loopback for DURATION seconds, while an import and the
 * embedding of its chunks run on the same platform. Reports throughput, latency percentiles per
 * mode, errors (any status other than 200, or a failed request: there must be none) and the load
 * average before and after.
 *
 *   npx tsx bench/load-search.ts [--users 20] [--orgs 2] [--duration 30] [--messages 3000] [--background 20000]
 *
 * Embedded shape (PGlite, one process) unless DATABASE_URL (and TRANSPORTER/CACHER) are set.
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
import { SENTENCES } from "../test/integration/ops/helpers.ts";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "20" },
    orgs: { type: "string", default: "2" },
    duration: { type: "string", default: "30" },
    messages: { type: "string", default: "3000" },
    background: { type: "string", default: "20000" },
  },
});
const USERS = Number(values.users);
const ORGS = Number(values.orgs);
const DURATION_S = Number(values.duration);
const PASSWORD = "load test password 123";

const QUERIES = [
  "leaking pipe",
  "weekend in the mountains",
  "dinner reservation",
  "sick dog",
  "money we made this quarter",
  "storm",
  "train station",
  "garden vegetables",
];
const MODES = ["keyword", "semantic", "hybrid"] as const;

const pad = (n: number) => String(n).padStart(2, "0");
function whatsapp(count: number, start: number): string {
  let out = "";
  for (let i = 0; i < count; i++) {
    const d = new Date(start + Math.floor(i / 5) * 3_600_000 + (i % 5) * 60_000);
    out += `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${["Anna", "Tom", "Lisa"][i % 3]}: ${SENTENCES[(i * 5) % SENTENCES.length]} (${i})\n`;
  }
  return out;
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-load-"));
const config = loadConfig(
  {
    ...process.env,
    NODE_ENV: "test",
    DATA_DIR: dataDir,
    PORT: "0",
    METRICS_ENABLED: "false",
    LOG_LEVEL: "warn",
    JWT_SECRET: "load-test-secret-load-test-secret-0123",
    MFA_ENCRYPTION_KEY: "load-test-mfa-key-load-test-mfa-key-01",
    OAUTH_SESSION_SECRET: "load-test-oauth-secret-load-test-oauth",
    PASSWORD_HASH_MEMORY_KIB: "1024",
    PASSWORD_HASH_TIME_COST: "1",
    EMBEDDER_THREADS: "1",
  },
  { dotenv: false },
);
const platform = await createPlatform(config, { services: ["api", "auth", "ingest", "embedder", "index"] });
await platform.start();
const api = platform.broker.getLocalService("api") as unknown as { server: Server };
const base = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;

async function call(method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => undefined)) as any;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
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
async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
/** Signs up and logs in from the confirmation link in the local mail sink, as a new user does. */
async function signUpConfirmed(email: string) {
  await call("POST", "/api/auth/signup", undefined, { email, password: PASSWORD });
  const token = await confirmationToken(outboxDirOf(config), email);
  return call("POST", "/api/auth/signup/confirm", undefined, { token, password: PASSWORD });
}
const embedded = async (token: string, datasetId: string) => {
  const s = await call("GET", `/api/datasets/${datasetId}/index`, token);
  return s.pendingChunks === 0 && (s.index?.count ?? 0) > 0;
};

// ── Setup: ORGS orgs, each with an owner, members up to USERS in all, and an embedded dataset ──
const stamp = Date.now();
const users: { token: string; datasetId: string }[] = [];
const setupStart = performance.now();
for (let o = 0; o < ORGS; o++) {
  const owner = await signUpConfirmed(`owner${o}-${stamp}@load.test`);
  const { id: datasetId } = await call("POST", "/api/datasets", owner.accessToken, { name: `org ${o} chats` });
  const importId = await upload(owner.accessToken, datasetId, whatsapp(Number(values.messages), Date.UTC(2023, o, 1)));
  await until(
    "setup import",
    async () => (await call("GET", `/api/imports/${importId}`, owner.accessToken)).status === "completed",
  );
  await until("setup embedding", () => embedded(owner.accessToken, datasetId));
  users.push({ token: owner.accessToken, datasetId });
  const members = Math.floor(USERS / ORGS) - 1 + (o < USERS % ORGS ? 1 : 0);
  for (let m = 0; m < members; m++) {
    const email = `member${o}-${m}-${stamp}@load.test`;
    const member = await signUpConfirmed(email);
    const inv = await call("POST", "/api/auth/invitations", owner.accessToken, { email, role: "analyst" });
    await call("POST", "/api/auth/invitations/accept", member.accessToken, { token: inv.token });
    const sw = await call("POST", "/api/auth/orgs/switch", member.accessToken, { orgId: owner.orgId });
    users.push({ token: sw.accessToken, datasetId });
  }
}
const setupS = (performance.now() - setupStart) / 1000;

// ── Background work: a large import into a new dataset of org 0, then the embedding of its chunks ──
// `--background 0` measures the same searches on a quiet platform, for comparison.
const bgOwner = users[0]!;
const { id: bgDataset } = await call("POST", "/api/datasets", bgOwner.token, { name: "background import" });
const bgImport =
  Number(values.background) > 0
    ? await upload(bgOwner.token, bgDataset, whatsapp(Number(values.background), Date.UTC(2022, 0, 1)))
    : undefined;

// ── Load ──
const load1Before = os.loadavg();
const samples: Record<(typeof MODES)[number], number[]> = { keyword: [], semantic: [], hybrid: [] };
let errors = 0;
const errorSamples: string[] = [];
const loadStart = performance.now();
const endAt = loadStart + DURATION_S * 1000;
await Promise.all(
  users.map(async (u, i) => {
    for (let n = i; performance.now() < endAt; n++) {
      const mode = MODES[n % MODES.length]!;
      const started = performance.now();
      try {
        const res = await fetch(`${base}/api/search`, {
          method: "POST",
          headers: { authorization: `Bearer ${u.token}`, "content-type": "application/json" },
          body: JSON.stringify({ datasetId: u.datasetId, query: QUERIES[n % QUERIES.length], mode }),
        });
        const body = await res.text();
        if (res.status !== 200) {
          errors++;
          if (errorSamples.length < 5) errorSamples.push(`${res.status} ${body.slice(0, 200)}`);
          continue;
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message);
        continue;
      }
      samples[mode].push(performance.now() - started);
    }
  }),
);
const elapsedS = (performance.now() - loadStart) / 1000;
const load1After = os.loadavg();
const background = bgImport
  ? await (async () => {
      const bg = await call("GET", `/api/imports/${bgImport}`, bgOwner.token);
      const index = await call("GET", `/api/datasets/${bgDataset}/index`, bgOwner.token);
      const embedding = await call("GET", `/api/datasets/${bgDataset}/embedding`, bgOwner.token);
      return `import ${bg.status} (${bg.messagesAdded ?? bg.messagesRead} messages), index holds ${index.index?.count ?? 0} chunks, ${index.pendingChunks} waiting (embedding ${JSON.stringify(embedding)})`;
    })()
  : "none (quiet run)";

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const all = [...samples.keyword, ...samples.semantic, ...samples.hybrid];
const row = (name: string, xs: number[]) =>
  `| ${name} | ${xs.length} | ${(xs.length / elapsedS).toFixed(1)} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 90).toFixed(1)} | ${pct(xs, 99).toFixed(1)} | ${Math.max(...xs).toFixed(1)} |`;

console.log(`
Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}; shape: ${config.DATABASE_URL ? "PostgreSQL" : "embedded (PGlite)"}, ${config.TRANSPORTER === "none" ? "one process" : config.TRANSPORTER}
Setup: ${ORGS} orgs × ${Number(values.messages)} messages imported and embedded, ${users.length} users (owners + analysts), in ${setupS.toFixed(0)} s
Load: ${users.length} concurrent users (one request in flight each, no think time), ${elapsedS.toFixed(1)} s${bgImport ? `, while importing ${values.background} messages and embedding them` : ""}
Load average (1/5/15 min): before ${load1Before.map((x) => x.toFixed(2)).join(" / ")}, after ${load1After.map((x) => x.toFixed(2)).join(" / ")}
Background work at the end: ${background}

| mode | requests | req/s | p50 ms | p90 ms | p99 ms | max ms |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${row("keyword", samples.keyword)}
${row("semantic", samples.semantic)}
${row("hybrid", samples.hybrid)}
${row("all", all)}

Errors: ${errors}${errorSamples.length ? `\n${errorSamples.join("\n")}` : ""}
`);

await platform.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(errors ? 1 : 0);
