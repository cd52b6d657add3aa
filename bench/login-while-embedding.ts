/**
 * Does the platform answer while it embeds? (issue 16 point 5) `npm start` (bin/chatlens.ts,
 * embedded: PGlite, every service in one process) as a child process; this process is the
 * client. A large WhatsApp chat (default 30,000 messages, bench/embed-corpus.ts's mix) is
 * uploaded; while its chunks are embedded, one client logs in again and again (production
 * password hashing, argon2id 64 MiB t=3) and another walks existing routes (datasets, the
 * dataset's index status, health, ready, the OpenAPI document). Reports log-in p50/p99/max,
 * every status other than the expected one (any 404 on an existing route is a failure),
 * and the time until every chunk was indexed, with the machine and its load average.
 *
 *   npx tsx bench/login-while-embedding.ts [--messages 30000] [--threads 0 (= platform default)]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { confirmationToken, outboxDirOf } from "../services/auth/mail-outbox.ts";
import { chatCorpus, whatsappExport as whatsapp } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: { messages: { type: "string", default: "30000" }, threads: { type: "string", default: "0" } },
});
const MESSAGES = Number(values.messages);
const log = (...args: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const port = await new Promise<number>((resolve) => {
  const srv = net.createServer().listen(0, "127.0.0.1", () => {
    const p = (srv.address() as net.AddressInfo).port;
    srv.close(() => resolve(p));
  });
});
const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-login-bench-"));
const child = spawn(process.execPath, ["--import", "tsx", "bin/chatlens.ts"], {
  env: {
    ...process.env,
    NODE_ENV: "production",
    DATA_DIR: dataDir,
    PORT: String(port),
    METRICS_ENABLED: "false",
    LOG_LEVEL: "warn",
    CHATLENS_SKIP_UI_BUILD: "1",
    JWT_SECRET: "bench-secret-bench-secret-bench-secret-01",
    MFA_ENCRYPTION_KEY: "bench-mfa-key-bench-mfa-key-bench-mfa-01",
    OAUTH_SESSION_SECRET: "bench-oauth-secret-bench-oauth-secret-01",
    LOGIN_RATE_LIMIT: "100000",
    ...(Number(values.threads) > 0 ? { EMBEDDER_THREADS: values.threads } : {}),
  },
  stdio: ["ignore", "inherit", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
const stop = async () => {
  if (child.exitCode === null) {
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
};

async function call(
  method: string,
  url: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; ms: number; json: any }> {
  const started = performance.now();
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = (await res.json().catch(() => undefined)) as any;
  return { status: res.status, ms: performance.now() - started, json };
}
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 3_600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
const q = (xs: number[], f: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? Math.round(s[Math.min(s.length - 1, Math.floor(f * s.length))]! * 10) / 10 : null;
};

try {
  await until(
    "the platform to answer",
    async () => ((await call("GET", "/api/health")).status === 200 ? true : undefined),
    600_000,
  );
  const email = `bench-${Date.now()}@bench.test`;
  const password = "bench password 1234";
  const signup = await call("POST", "/api/auth/signup", undefined, { email, password });
  if (signup.status !== 202) throw new Error(`signup ${signup.status} ${JSON.stringify(signup.json)}`);
  // A new account logs in first from the link in its confirmation mail (the local mail sink).
  const link = await confirmationToken(outboxDirOf({ dataDir }), email);
  const token = (await call("POST", "/api/auth/signup/confirm", undefined, { token: link, password })).json
    .accessToken as string;
  const ds = await call("POST", "/api/datasets", token, { name: "large" });
  const datasetId = ds.json.id as string;
  const idle: number[] = [];
  for (let i = 0; i < 10; i++) idle.push((await call("POST", "/api/auth/login", undefined, { email, password })).ms);
  log(`idle log-in p50 ${q(idle, 0.5)} ms`);

  const text = whatsapp(chatCorpus(MESSAGES, 42), Date.UTC(2024, 0, 1));
  const loadBefore = os.loadavg();
  const uploaded = performance.now();
  const up = await fetch(`${base}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`, {
    method: "PUT",
    body: text,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
  });
  if (up.status !== 202) throw new Error(`upload ${up.status} ${await up.text()}`);

  const logins: number[] = [];
  const unexpected: Record<string, number> = {};
  const routeMs: number[] = [];
  let embedding = false;
  let done = false;
  const note = (what: string, status: number, expected: number) => {
    // -1: no HTTP answer at all (connection reset or refused).
    if (status !== expected) unexpected[`${what} ${status}`] = (unexpected[`${what} ${status}`] ?? 0) + 1;
  };
  const loginLoop = (async () => {
    while (!done) {
      const started = performance.now();
      const r = await call("POST", "/api/auth/login", undefined, { email, password }).catch((e: Error) => ({
        status: -1,
        ms: performance.now() - started,
        json: e,
      }));
      note("POST /api/auth/login", r.status, 200);
      if (embedding) logins.push(r.ms);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  const routes: Array<[string, number]> = [
    ["/api/datasets", 200],
    [`/api/datasets/${datasetId}`, 200],
    [`/api/datasets/${datasetId}/index`, 200],
    ["/api/health", 200],
    ["/api/ready", 200],
    ["/api/auth/me", 200],
  ];
  const routeLoop = (async () => {
    for (let i = 0; !done; i++) {
      const [url, expected] = routes[i % routes.length]!;
      const started = performance.now();
      const r = await call("GET", url, token).catch((e: Error) => ({
        status: -1,
        ms: performance.now() - started,
        json: e,
      }));
      note(`GET ${url.replace(datasetId, ":id")}`, r.status, expected);
      if (embedding) routeMs.push(r.ms);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  let chunks = 0;
  const state = await until("every chunk indexed", async () => {
    const s = (await call("GET", `/api/datasets/${datasetId}/index`, token)).json;
    embedding = (s?.index?.count ?? 0) > 0 || (s?.pendingChunks ?? 0) > 0;
    chunks = s?.index?.count ?? chunks;
    return s?.pendingChunks === 0 && (s?.index?.count ?? 0) > 0 ? s : undefined;
  });
  const indexedAt = performance.now();
  done = true;
  await Promise.all([loginLoop, routeLoop]);
  const result = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
    loadAverage: {
      before: loadBefore.map((x) => Math.round(x * 10) / 10),
      after: os.loadavg().map((x) => Math.round(x * 10) / 10),
    },
    messages: MESSAGES,
    chunks: state.index.count,
    secondsUntilIndexed: Math.round((indexedAt - uploaded) / 100) / 10,
    loginIdleP50Ms: q(idle, 0.5),
    loginWhileEmbedding: { samples: logins.length, p50Ms: q(logins, 0.5), p99Ms: q(logins, 0.99), maxMs: q(logins, 1) },
    routesWhileEmbedding: { samples: routeMs.length, p50Ms: q(routeMs, 0.5), p99Ms: q(routeMs, 0.99) },
    unexpectedStatuses: unexpected,
  };
  console.log(JSON.stringify(result, null, 2));
  void chunks;
} finally {
  await stop();
}
