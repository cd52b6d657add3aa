import { expect } from "chai";
import type { TestPlatform } from "../../helpers/platform.ts";
import { whatsappLines } from "../ingest/generators.ts";
import { uploadFile, waitForImport } from "../ingest/helpers.ts";
import { duringAttack, expectIntact, startSecurityPlatform, tenantWithChat, type Tenant } from "./helpers.ts";

/**
 * Issue 15 M6 over HTTP (uploads): an org past IMPORT_MAX_QUEUED_PER_ORG queued or running
 * imports is answered 429 QUOTA_EXCEEDED before its body is read, while another org's upload is
 * still accepted and health and search keep answering.
 */
describe("security: per-org quota on queued uploads", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  before(async () => {
    p = await startSecurityPlatform({ IMPORT_MAX_QUEUED_PER_ORG: "1" });
    attacker = await tenantWithChat(p);
    bystander = await tenantWithChat(p);
  });
  after(async () => p?.stop());

  it("a second upload while the first is queued or running answers 429; another org's upload is accepted", async () => {
    const big = { name: "WhatsApp Chat with Big.txt", content: whatsappLines(1000, 16_000) };
    const first = await uploadFile(p, attacker.account.accessToken, attacker.datasetId, big);
    expect(first.status, JSON.stringify(first.body)).to.equal(202);
    const second = await duringAttack(p, bystander, () =>
      uploadFile(p, attacker.account.accessToken, attacker.datasetId, big),
    );
    expect(second.status, JSON.stringify(second.body)).to.equal(429);
    expect(second.body.error.code).to.equal("QUOTA_EXCEEDED");
    const other = await uploadFile(p, bystander.account.accessToken, bystander.datasetId, {
      name: "WhatsApp Chat with Small.txt",
      content: whatsappLines(100, 110),
    });
    expect(other.status, JSON.stringify(other.body)).to.equal(202);
    expect((await waitForImport(p, attacker.account.accessToken, first.body.id)).status).to.equal("completed");
    expect((await waitForImport(p, bystander.account.accessToken, other.body.id)).status).to.equal("completed");
    attacker.messages += 15_000;
    bystander.messages += 10;
    await expectIntact(p, attacker);
    await expectIntact(p, bystander);
  });
});
