import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { http, httpRaw } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { API_ALIASES } from "../../../services/api/routes.ts";

describe("gateway (embedded platform over HTTP)", function () {
  this.timeout(180_000);
  let p: TestPlatform;

  before(async () => {
    const uiDir = path.join(process.env.TMPDIR ?? "/tmp", `chatlens-ui-${process.pid}`);
    mkdirSync(uiDir, { recursive: true });
    writeFileSync(path.join(uiDir, "index.html"), "<!doctype html><title>chatlens</title><h1>chatlens ui</h1>");
    p = await startTestPlatform({ env: { UI_DIR: uiDir } });
  });
  after(() => p?.stop());

  it("answers liveness on GET /api/health", async () => {
    const res = await http(p.baseUrl, "GET", "/api/health");
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("ok");
  });

  it("checks database, transporter and cacher on GET /api/ready", async () => {
    const res = await http(p.baseUrl, "GET", "/api/ready");
    expect(res.status).to.equal(200);
    expect(res.body.status).to.equal("ready");
    expect(res.body.checks.database.status).to.equal("ok");
    expect(res.body.checks.transporter.status).to.equal("disabled");
    expect(res.body.checks.cacher.status).to.equal("ok");
  });

  it("reports 503 from /api/ready when the database is gone", async () => {
    const other = await startTestPlatform({ services: ["api"] });
    try {
      await other.database.close();
      const res = await http(other.baseUrl, "GET", "/api/ready");
      expect(res.status).to.equal(503);
      expect(res.body.checks.database.status).to.equal("down");
    } finally {
      await other.stop().catch(() => {});
    }
  });

  it("returns a request id header, echoing a well-formed one from the client", async () => {
    const own = await http(p.baseUrl, "GET", "/api/health", { headers: { "x-request-id": "trace-42" } });
    expect(own.headers.get("x-request-id")).to.equal("trace-42");
    const fresh = await http(p.baseUrl, "GET", "/api/health", {
      headers: { "x-request-id": "<script>alert(1)</script> " + "x".repeat(200) },
    });
    expect(fresh.headers.get("x-request-id")).to.match(/^[0-9a-f-]{36}$/);
  });

  it("answers unknown paths with the JSON error shape", async () => {
    const res = await httpRaw(p.baseUrl, "GET", "/api/does-not-exist");
    expect(res.status).to.equal(404);
    expect(res.body).to.have.nested.property("error.code", "NOT_FOUND");
    expect(res.error.message).to.be.a("string");
  });

  it("exposes no internal action: $node.* and unaliased actions have no URL", async () => {
    for (const url of [
      "/api/$node/list",
      "/api/~node/services",
      "/api/api/health",
      "/api/api.ready",
      "/api/auth/resolveCredential",
    ]) {
      const res = await httpRaw(p.baseUrl, "GET", url);
      expect(res.status, url).to.equal(404);
    }
    for (const action of Object.values(API_ALIASES)) expect(action).to.not.match(/^\$/);
  });

  it("rejects a malformed Authorization header with 401", async () => {
    const res = await http(p.baseUrl, "GET", "/api/health", { headers: { authorization: "Basic dTpw" } });
    expect(res.status).to.equal(401);
    expect(res.error.code).to.equal("UNAUTHORIZED");
  });

  it("serves an OpenAPI 3.1 document of every HTTP endpoint and an interactive viewer", async () => {
    const doc = await http(p.baseUrl, "GET", "/api/openapi.json");
    expect(doc.status).to.equal(200);
    expect(doc.body.openapi).to.equal("3.1.0");
    // The document declares itself only as an object: its inside is read by path.
    expect(doc.body).to.have.nested.property("paths./api/health.get.operationId", "apiHealth");
    expect(doc.body).to.have.nested.property("components.securitySchemes.bearer.scheme", "bearer");
    expect(doc.body)
      .to.have.nested.property("info.description")
      .that.matches(/Authorization: Bearer/);
    const page = await fetch(p.baseUrl + "/api/docs");
    expect(page.headers.get("content-type")).to.match(/text\/html/);
    expect(await page.text()).to.contain("/api/openapi.json");
    const asset = await fetch(p.baseUrl + "/api/docs/assets/swagger-ui-bundle.js");
    expect(asset.status).to.equal(200);
    const escape = await http(p.baseUrl, "GET", "/api/docs/assets/..%2Fpackage.json");
    expect(escape.status).to.equal(404);
  });

  it("serves the built web app from UI_DIR", async () => {
    const res = await fetch(p.baseUrl + "/");
    expect(res.status).to.equal(200);
    expect(await res.text()).to.contain("chatlens ui");
    // Client-side routes get the app too; API paths keep their JSON 404.
    const deep = await fetch(p.baseUrl + "/datasets/123/search");
    expect(deep.status).to.equal(200);
    expect(await deep.text()).to.contain("chatlens ui");
    expect((await fetch(p.baseUrl + "/api/nothing-here")).status).to.equal(404);
  });
});
