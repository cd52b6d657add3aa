import { readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { http, type ApiResponse } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import type { DatabaseKind } from "../../helpers/database.ts";
import { AUTH_TEST_ENV, signUp, type Account } from "../auth/fixtures.ts";

export { FIXTURES_DIR } from "../../helpers/paths.ts";

export function startIngestPlatform(
  o: { db?: DatabaseKind; env?: Record<string, string> } = {},
): Promise<TestPlatform> {
  return startTestPlatform({ services: ["api", "auth", "ingest"], db: o.db, env: { ...AUTH_TEST_ENV, ...o.env } });
}

export async function createDataset(p: TestPlatform, a: Account, name = "chats"): Promise<string> {
  const res = await http(p.baseUrl, "POST", "/api/datasets", { token: a.accessToken, body: { name } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id;
}

/** A multipart upload of one file, as a browser form would send it. */
export async function uploadFile(
  p: TestPlatform,
  token: string | undefined,
  datasetId: string,
  file: string | { name: string; content: string | Buffer },
  query = "",
) {
  const name = typeof file === "string" ? path.basename(file) : file.name;
  const content = typeof file === "string" ? readFileSync(file) : file.content;
  const form = new FormData();
  form.append("file", new Blob([typeof content === "string" ? content : new Uint8Array(content)]), name);
  const res = await fetch(`${p.baseUrl}/api/datasets/${datasetId}/imports${query}`, {
    method: "POST",
    body: form,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

/** The raw export as the request body (PUT), options in the query string. */
export async function uploadRaw(
  p: TestPlatform,
  token: string,
  datasetId: string,
  content: string | Buffer,
  query = "",
) {
  const res = await fetch(`${p.baseUrl}/api/datasets/${datasetId}/imports${query}`, {
    method: "PUT",
    body: typeof content === "string" ? content : new Uint8Array(content),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

/** Polls the import until it has ended, as a client would. */
export async function waitForImport(p: TestPlatform, token: string, importId: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let dropped = 0;
  for (;;) {
    let res: ApiResponse<"GET", `/api/imports/${string}`>;
    try {
      res = await http(p.baseUrl, "GET", `/api/imports/${importId}`, { token });
      dropped = 0;
    } catch (err) {
      // A poll on a kept-alive connection the server closed meanwhile (the embedded database holds the one event loop
      // while a long statement runs) fails as ECONNRESET; a client asks again, as it would for any idempotent GET.
      if (++dropped > 5 || Date.now() > deadline) throw err;
      continue;
    }
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    if (res.body.status === "completed" || res.body.status === "failed") return res.body;
    if (Date.now() > deadline) throw new Error(`import ${importId} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Upload, expect 202, wait for the job; returns the final import row. */
export async function importFile(
  p: TestPlatform,
  a: Account,
  datasetId: string,
  file: Parameters<typeof uploadFile>[3],
  query = "",
) {
  const res = await uploadFile(p, a.accessToken, datasetId, file, query);
  expect(res.status, JSON.stringify(res.body)).to.equal(202);
  expect(res.body.status).to.equal("queued");
  return waitForImport(p, a.accessToken, res.body.id);
}

export { signUp, type Account };
