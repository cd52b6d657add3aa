import { expect } from "chai";
import { http, type JsonResponse } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import type { SearchBody } from "../index/helpers.ts";
import {
  duringAttack,
  expectIntact,
  expectServing,
  keywordSearch,
  startSecurityPlatform,
  tenantWithChat,
  type Tenant,
} from "./helpers.ts";

/** What must never reach a client, in any mode: SQL text, stack frames, driver internals. */
function expectNoInternals(res: { body: unknown }): void {
  const text = typeof res.body === "string" ? res.body : JSON.stringify(res.body);
  expect(text).to.not.match(
    /\bselect\b|\binsert into\b|\bfrom "|Failed query|\bat .+\.(ts|js):\d+|node_modules|invalid byte sequence|out of range for type/i,
  );
}

function expectClientError(res: JsonResponse<unknown>, status = 422): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.error.code).to.match(/^[A-Z_]+$/);
  expectNoInternals(res);
}

/**
 * Issue 15 M1 and L6 over HTTP: bad queries, NUL bytes, out-of-range dates and malformed
 * multipart bodies are the caller's fault. They answer 4xx without SQL or stack in the body (the
 * test platform runs with NODE_ENV=test, where internals used to be shown), and they do not count
 * toward the circuit breaker, so another org's searches keep answering.
 */
describe("security: client errors are never server faults", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  before(async () => {
    p = await startSecurityPlatform();
    attacker = await tenantWithChat(p);
    bystander = await tenantWithChat(p);
  });
  after(async () => p?.stop());
  afterEach(async () => {
    await expectServing(p, bystander);
    await expectIntact(p, bystander);
    await expectIntact(p, attacker);
  });

  const search = (body: Omit<SearchBody, "datasetId">) =>
    http(p.baseUrl, "POST", "/api/search", {
      token: attacker.account.accessToken,
      body: { datasetId: attacker.datasetId, mode: "keyword", ...body },
    });

  it("M1: 25 searches with a NUL in the query answer 422 and do not open the breaker for other orgs", async () => {
    await duringAttack(p, bystander, async () => {
      for (let i = 0; i < 25; i++) expectClientError(await search({ query: `pipe\u0000${i}` }));
    });
    const res = await keywordSearch(p, bystander);
    expect(res.status).to.equal(200);
  });

  it("M1: 25 searches from the year 0 (or past 9999) answer 422 and do not open the breaker", async () => {
    await duringAttack(p, bystander, async () => {
      for (let i = 0; i < 25; i++) {
        expectClientError(
          await search({ query: "pipe", filters: { from: i % 2 ? "0000-01-01" : "+275760-09-13T00:00:00Z" } }),
        );
      }
    });
  });

  it("L6: NUL bytes and out-of-range dates in other endpoints answer 4xx without internals", async () => {
    const token = attacker.account.accessToken;
    const convs = await http(p.baseUrl, "GET", `/api/datasets/${attacker.datasetId}/conversations`, { token });
    const conversationId = convs.body.items[0].id;
    expectClientError(await http(p.baseUrl, "POST", "/api/datasets", { token, body: { name: "bad\u0000name" } }));
    expectClientError(
      await http(p.baseUrl, "PATCH", `/api/datasets/${attacker.datasetId}`, {
        token,
        body: { description: "x\u0000" },
      }),
    );
    expectClientError(
      await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${attacker.datasetId}/conversations/${conversationId}/messages?from=0000-01-01`,
        { token },
      ),
    );
    expectClientError(
      await http(
        p.baseUrl,
        "GET",
        `/api/datasets/${attacker.datasetId}/conversations/${conversationId}/messages?q=a%00b`,
        { token },
      ),
    );
  });

  it("L6: a malformed multipart body answers 400 without internals", async () => {
    const url = `${p.baseUrl}/api/datasets/${attacker.datasetId}/imports`;
    const headers = { authorization: `Bearer ${attacker.account.accessToken}` };
    const cases: { type: string; body: string }[] = [
      {
        type: "multipart/form-data; boundary=xyz",
        body: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n01/02/2021, 10:00 - Ann: hi\r\n',
      },
      {
        type: "multipart/form-data; boundary=xyz",
        body: "--xyz\r\nGarbage header without colon\r\n\r\ndata\r\n--xyz--\r\n",
      },
      { type: "multipart/form-data", body: "no boundary at all" },
    ];
    for (const c of cases) {
      const res = await fetch(url, { method: "POST", headers: { ...headers, "content-type": c.type }, body: c.body });
      const body = await res.text();
      expect(res.status, body).to.be.within(400, 499);
      expectNoInternals({ body });
    }
  });
});
