import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { expect } from "chai";
import type { ServiceName } from "../../../config/index.ts";
import { createPlatform, type Platform } from "../../../platform/platform.ts";
import { signUpAndLogIn } from "../../helpers/accounts.ts";
import { http } from "../../helpers/http.ts";
import { testConfig } from "../../helpers/platform.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { INDEX_TEST_ENV } from "../index/helpers.ts";

const pad = (n: number) => String(n).padStart(2, "0");

/** Everyday chat lines on distinct topics; the load benchmark uses them too. */
export const SENTENCES = [
  "We should plan the hiking trip to the mountains in June",
  "The train to Verona leaves at nine from the central station",
  "Can you bring the tent and two sleeping bags",
  "My grandmother's lasagne recipe needs fresh basil and ricotta",
  "The kitchen renovation is over budget again",
  "The plumber found a leaking pipe behind the dishwasher",
  "Our puppy chewed the sofa cushions this morning",
  "The vet says the dog needs a rabies vaccination",
  "Quarterly revenue grew eight percent over last year",
  "The server crashed during the database migration",
  "I booked a table at the sushi place for Friday dinner",
  "Does anyone know a good dentist near the office",
  "The football match was cancelled because of the storm",
  "Remember to water the tomato plants while I am away",
];

/**
 * A WhatsApp (Android) export of `count` messages on a dozen topics, in bursts of five a minute
 * apart with an hour between bursts, so chunks are many and each is about something.
 */
export function topicExport(count: number, start = Date.UTC(2023, 0, 1, 8, 0)): string {
  let out = "";
  for (let i = 0; i < count; i++) {
    const d = new Date(start + Math.floor(i / 5) * 3_600_000 + (i % 5) * 60_000);
    const author = ["Anna", "Tom", "Lisa"][i % 3];
    out += `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${author}: ${SENTENCES[(i * 5) % SENTENCES.length]} (${i})\n`;
  }
  return out;
}

export const ALL_SERVICES: ServiceName[] = ["api", "auth", "ingest", "embedder", "index"];

export interface RunningPlatform extends Platform {
  baseUrl: string;
  dataDir: string;
}

/** A node as `npm start` builds it: its own DATA_DIR (PGlite and indexes there) or DATABASE_URL. */
export async function startPlatform(env: Record<string, string>, services = ALL_SERVICES): Promise<RunningPlatform> {
  const config = testConfig({ ...INDEX_TEST_ENV, ...env });
  const platform = await createPlatform(config, { services });
  await platform.start();
  const api = platform.broker.getLocalService("api") as unknown as { server?: Server } | undefined;
  return {
    ...platform,
    dataDir: config.dataDir,
    baseUrl: api?.server ? `http://127.0.0.1:${(api.server.address() as AddressInfo).port}` : "",
  };
}

/** Uploads an export as the raw body and waits for the import to end; returns the final import row. */
export async function uploadAndWait(
  baseUrl: string,
  token: string,
  datasetId: string,
  content: string,
  timeoutMs = 180_000,
) {
  const res = await fetch(
    `${baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
    {
      method: "PUT",
      body: content,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    },
  );
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).to.equal(202);
  return waitForImportEnd(baseUrl, token, body.id, timeoutMs);
}

export async function waitForImportEnd(baseUrl: string, token: string, importId: string, timeoutMs = 180_000) {
  return poll(`import ${importId} to end`, timeoutMs, async () => {
    const r = await http(baseUrl, "GET", `/api/imports/${importId}`, { token });
    return r.status === 200 && (r.body.status === "completed" || r.body.status === "failed") ? r.body : null;
  });
}

/** Waits until the dataset's chunks all have vectors and its latest index version holds them all. */
export async function waitForIndexed(baseUrl: string, token: string, datasetId: string, timeoutMs = 270_000) {
  return poll("every chunk embedded and indexed", timeoutMs, async () => {
    const status = await http(baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token });
    const versions = await http(baseUrl, "GET", `/api/datasets/${datasetId}/index/versions`, { token });
    const latest = versions.body?.items?.[0];
    return status.status === 200 &&
      status.body.pendingChunks === 0 &&
      latest &&
      latest.manifest.vectorCount === status.body.index?.count
      ? status.body
      : null;
  });
}

export async function poll<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | null | undefined | false>,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function createDataset(baseUrl: string, token: string, name = "chats"): Promise<string> {
  const res = await http(baseUrl, "POST", "/api/datasets", { token, body: { name } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id;
}

/** A new account with its own org, signed in. */
export async function signUpAt(
  baseUrl: string,
  outboxDir: string,
  email = `ops-${Math.random().toString(36).slice(2, 10)}@example.test`,
) {
  const res = await signUpAndLogIn(baseUrl, { email, password: PASSWORD }, outboxDir);
  expect(res.account, `${res.status} ${JSON.stringify(res.body)}`).to.not.equal(undefined);
  return { email, orgId: res.account!.orgId, accessToken: res.account!.accessToken };
}
