import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { startFakeCluster } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../auth/fixtures.ts";
import { whatsappLines } from "./generators.ts";
import { uploadFile, uploadRaw, waitForImport } from "./helpers.ts";

describe("ingest: uploads stream from the gateway node to an ingest node", function () {
  this.timeout(180_000);
  let cluster: Awaited<ReturnType<typeof startFakeCluster>>;
  before(async () => {
    cluster = await startFakeCluster(
      [
        { nodeID: "gateway", services: ["api", "auth"] },
        { nodeID: "worker", services: ["ingest"] },
      ],
      { env: AUTH_TEST_ENV },
    );
  });
  after(async () => cluster?.stop());

  it("multipart and raw uploads cross the transporter; the job runs where the file landed", async () => {
    const gw = cluster.node("gateway");
    const a = await signUp(gw);
    const ds = await http(gw.baseUrl, "POST", "/api/datasets", { token: a.accessToken, body: { name: "remote" } });
    expect(ds.status).to.equal(201);
    const up = await uploadFile(gw, a.accessToken, ds.body.id, { name: "chat.txt", content: whatsappLines(0, 3000) });
    expect(up.status, JSON.stringify(up.body)).to.equal(202);
    const row = await waitForImport(gw, a.accessToken, up.body.id);
    expect(row.status, JSON.stringify(row.error)).to.equal("completed");
    expect(row.messagesAdded).to.equal(3000);
    const raw = await uploadRaw(gw, a.accessToken, ds.body.id, whatsappLines(2000, 4000), "?filename=chat.txt");
    expect(raw.status, JSON.stringify(raw.body)).to.equal(202);
    expect((await waitForImport(gw, a.accessToken, raw.body.id)).messagesAdded).to.equal(1000);
    const bad = await uploadFile(gw, a.accessToken, ds.body.id, { name: "notes.txt", content: "no chat\nhere\n" });
    expect(bad.status).to.equal(422);
    expect(bad.body.error.code).to.equal("UNKNOWN_FORMAT");
  });
});
