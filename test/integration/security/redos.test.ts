import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { uploadFile, waitForImport } from "../ingest/helpers.ts";
import {
  duringAttack,
  expectIntact,
  SECURITY_SERVICES,
  startSecurityPlatform,
  tenantWithChat,
  type Tenant,
} from "./helpers.ts";

/**
 * Issue 15 H2 over HTTP: a message of `http://a` + 200,000 dots + `x` (and a long token without
 * an "@") made the domains dashboard hold every tenant for 60 s and the words dashboard 87 s.
 * With linear-time extraction both dashboards answer, and /api/health and another org's search
 * answer while they are computed.
 */
describe("security: pathological messages do not hold the dashboards (ReDoS)", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  const dots = ".".repeat(200_000);
  before(async function () {
    // A hang guard only: three tenants' chats imported on a machine that may be busy.
    this.timeout(600_000);
    p = await startSecurityPlatform({}, [...SECURITY_SERVICES, "analytics"]);
    bystander = await tenantWithChat(p);
    attacker = await tenantWithChat(p);
    const chat = `01/02/2021, 10:00 - Eve: http://a${dots}x\n01/02/2021, 10:01 - Eve: a${dots}\n01/02/2021, 10:02 - Eve: x${"@".repeat(200_000)}\n`;
    const res = await uploadFile(p, attacker.account.accessToken, attacker.datasetId, {
      name: "WhatsApp Chat with Eve.txt",
      content: chat,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const row = await waitForImport(p, attacker.account.accessToken, res.body.id);
    expect(row.status, JSON.stringify(row.error)).to.equal("completed");
    attacker.messages += 3;
  });
  after(async () => p?.stop());

  for (const table of ["domains", "words", "emoji", "bigrams"]) {
    it(`the ${table} dashboard answers while health and another org's search keep answering`, async () => {
      const res = await duringAttack(p, bystander, () =>
        http(p.baseUrl, "GET", `/api/datasets/${attacker.datasetId}/analytics/${table}`, {
          token: attacker.account.accessToken,
        }),
      );
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(200);
      if (table === "domains") expect(JSON.stringify(res.body)).to.contain('"a');
      await expectIntact(p, attacker);
      await expectIntact(p, bystander);
    });
  }
});
