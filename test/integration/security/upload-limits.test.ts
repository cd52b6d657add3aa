import { request } from "node:http";
import { expect } from "chai";
import type { TestPlatform } from "../../helpers/platform.ts";
import { expectIntact, expectServing, startSecurityPlatform, tenantWithChat, type Tenant } from "./helpers.ts";

const LIMIT = 1024 * 1024;
/** What the client offers; the server must stop reading long before. */
const OFFERED = 256 * LIMIT;

interface Outcome {
  status: number | undefined;
  /** The answer's Connection header: "close" tells the client the server reads no more. */
  connection: string | undefined;
  body: string;
  /** Bytes written before the server closed the connection (or all of them). */
  written: number;
  closedByServer: boolean;
}

/** Streams a chunked body of `OFFERED` bytes as fast as the socket takes it, until the server closes the connection. */
function chunkedUpload(
  url: string,
  token: string,
  method: "PUT" | "POST",
  contentType: string,
  head = "",
  chunk = Buffer.alloc(64 * 1024, 0x61),
): Promise<Outcome> {
  return new Promise((resolve) => {
    const outcome: Outcome = { status: undefined, connection: undefined, body: "", written: 0, closedByServer: false };
    const req = request(url, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": contentType, "transfer-encoding": "chunked" },
    });
    let finished = false;
    const finish = (closedByServer: boolean) => {
      if (finished) return;
      finished = true;
      outcome.closedByServer = closedByServer;
      req.destroy();
      resolve(outcome);
    };
    req.on("response", (res) => {
      outcome.status = res.statusCode;
      outcome.connection = res.headers.connection;
      res.setEncoding("utf8");
      res.on("data", (d: string) => (outcome.body += d));
      res.on("error", () => {});
    });
    req.on("error", () => finish(true));
    req.on("close", () => finish(true));
    const pump = () => {
      while (!finished && outcome.written < OFFERED) {
        outcome.written += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!finished) req.end();
    };
    if (head) req.write(head);
    pump();
    req.on("finish", () => setTimeout(() => finish(false), 2000));
  });
}

/**
 * Issue 15 L2 over HTTP: after answering 413 to a chunked upload past UPLOAD_MAX_BYTES the
 * server used to read (and throw away) the whole body, 2 GiB in the report. Now it answers 413
 * and closes the connection: the client cannot push more than a few socket buffers past the
 * limit, and the platform keeps serving other orgs.
 */
describe("security: an upload past its limit is answered 413 and no longer read", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let attacker: Tenant;
  let bystander: Tenant;
  before(async () => {
    p = await startSecurityPlatform({ UPLOAD_MAX_BYTES: String(LIMIT) });
    attacker = await tenantWithChat(p);
    bystander = await tenantWithChat(p);
  });
  after(async () => p?.stop());
  afterEach(async () => {
    await expectServing(p, bystander);
    await expectIntact(p, attacker);
    await expectIntact(p, bystander);
  });

  const url = () => `${p.baseUrl}/api/datasets/${attacker.datasetId}/imports`;

  it("raw chunked body (PUT): 413, then the connection is closed", async () => {
    const out = await chunkedUpload(
      `${url()}?filename=chat.txt`,
      attacker.account.accessToken,
      "PUT",
      "application/octet-stream",
    );
    expect(out.status, out.body).to.equal(413);
    expect(JSON.parse(out.body).error.code).to.equal("PAYLOAD_TOO_LARGE");
    expect(out.connection).to.equal("close");
    expect(out.closedByServer).to.equal(true);
    expect(out.written, "bytes the server took").to.be.below(OFFERED / 4);
  });

  it("multipart chunked body (POST): 413, then the connection is closed", async () => {
    const head =
      '--xyz\r\nContent-Disposition: form-data; name="file"; filename="chat.txt"\r\nContent-Type: text/plain\r\n\r\n';
    const out = await chunkedUpload(
      url(),
      attacker.account.accessToken,
      "POST",
      "multipart/form-data; boundary=xyz",
      head,
    );
    expect(out.status, out.body).to.equal(413);
    expect(JSON.parse(out.body).error.code).to.equal("PAYLOAD_TOO_LARGE");
    expect(out.connection).to.equal("close");
    expect(out.closedByServer).to.equal(true);
    expect(out.written, "bytes the server took").to.be.below(OFFERED / 4);
  });
});
