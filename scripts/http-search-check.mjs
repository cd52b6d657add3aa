#!/usr/bin/env node
// What a new user does, over HTTP against a running platform: sign up, create a dataset, upload a
// WhatsApp chat, wait until every chunk is embedded and indexed, search it. Exits non-zero when
// any step fails or the search finds nothing. Prints the time from upload to searchable.
// CI runs it against `npm start` in a clean copy without FAISS (.ci/run); bench/ uses it for the
// time-to-searchable measurement with a 30k-message chat.
//
//   node --import tsx scripts/http-search-check.mjs [--base http://127.0.0.1:3000] [--messages 300] [--timeout 600]
//     [--outbox data/outbox]   (the platform's local mail sink: the new account's confirmation link is there;
//     read through services/auth/mail-outbox.ts, hence tsx)
import { parseArgs } from "node:util";
import { confirmationToken } from "../services/auth/mail-outbox.ts";
import { whatsappChat as chat } from "./lib/whatsapp-chat.mjs";

const { values } = parseArgs({
  options: {
    base: { type: "string", default: "http://127.0.0.1:3000" },
    messages: { type: "string", default: "300" },
    timeout: { type: "string", default: "600" },
    outbox: { type: "string", default: "data/outbox" },
    query: { type: "string", default: "where should we go hiking this weekend" },
  },
});
const base = values.base.replace(/\/$/, "");
const deadline = Date.now() + Number(values.timeout) * 1000;

async function call(method, url, token, body) {
  const res = await fetch(base + url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => undefined);
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until(what, probe) {
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const step = (message) => console.log(`[http-search-check] ${message}`);

await until("the gateway", () =>
  fetch(`${base}/api/health`).then(
    (r) => r.status < 500,
    () => false,
  ),
);
const email = `check-${Date.now()}@example.test`;
await call("POST", "/api/auth/signup", undefined, { email, password: "a long enough password 123" });
// A new account logs in first from the link in its confirmation mail.
const owner = await call("POST", "/api/auth/signup/confirm", undefined, {
  token: await confirmationToken(values.outbox, email),
  password: "a long enough password 123",
});
const { id: datasetId } = await call("POST", "/api/datasets", owner.accessToken, { name: "HTTP search check" });
const text = chat(Number(values.messages));
step(`signed up ${email}, uploading ${values.messages} messages (${(text.length / 1024).toFixed(0)} KiB)`);
const uploaded = performance.now();
const res = await fetch(`${base}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`, {
  method: "PUT",
  body: text,
  headers: { authorization: `Bearer ${owner.accessToken}`, "content-type": "application/octet-stream" },
});
if (res.status !== 202) throw new Error(`upload: ${res.status} ${await res.text()}`);
const { id: importId } = await res.json();
await until("the import", async () => {
  const status = (await call("GET", `/api/imports/${importId}`, owner.accessToken)).status;
  if (status === "failed") throw new Error("the import failed");
  return status === "completed";
});
const imported = performance.now();
const index = await until("every chunk embedded and indexed", async () => {
  const s = await call("GET", `/api/datasets/${datasetId}/index`, owner.accessToken);
  return s.pendingChunks === 0 && (s.index?.count ?? 0) > 0 ? s : undefined;
});
const searchable = performance.now();
step(
  `imported in ${((imported - uploaded) / 1000).toFixed(1)} s; searchable (${index.index.count} chunks, engine ${index.index.backend ?? "?"} ${index.index.engine}) ${((searchable - uploaded) / 1000).toFixed(1)} s after upload`,
);
const found = await call("POST", "/api/search", owner.accessToken, {
  datasetId,
  query: values.query,
  mode: "semantic",
});
const items = found.items ?? [];
if (items.length === 0) throw new Error(`semantic search for "${values.query}" found nothing`);
step(
  `semantic search "${values.query}": ${items.length} hits, first: ${JSON.stringify(items[0].message?.text ?? items[0]).slice(0, 100)}`,
);
console.log(
  JSON.stringify({
    messages: Number(values.messages),
    importS: +((imported - uploaded) / 1000).toFixed(2),
    searchableS: +((searchable - uploaded) / 1000).toFixed(2),
    chunks: index.index.count,
    backend: index.index.backend,
    hits: items.length,
  }),
);
