import path from "node:path";
import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { FIXTURES_DIR } from "../../helpers/paths.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../auth/fixtures.ts";
import { createDataset, importFile } from "../ingest/helpers.ts";

/** The business metrics the Grafana dashboards read are exported by the services doing the work. */
describe("business metrics on /metrics", function () {
  this.timeout(270_000);
  let p: TestPlatform;
  let metricsUrl = "";

  before(async () => {
    p = await startTestPlatform({
      services: ["api", "auth", "ingest", "embedder", "index"],
      env: { ...AUTH_TEST_ENV, METRICS_ENABLED: "true", METRICS_PORT: "0" },
    });
    const reporter = (p.broker.metrics as unknown as { reporter: { server?: { address(): { port: number } } }[] })
      .reporter;
    const port = reporter.find((r) => r.server)!.server!.address().port;
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });
  after(() => p?.stop());

  it("counts imports, imported messages, embedded chunks, index sizes and searches", async () => {
    const owner = await signUp(p);
    const datasetId = await createDataset(p, owner);
    const done = await importFile(
      p,
      owner,
      datasetId,
      path.join(FIXTURES_DIR, "whatsapp/pustur__samples_short-chat.txt"),
    );
    expect(done.status).to.equal("completed");
    const deadline = Date.now() + 180_000;
    for (;;) {
      const progress = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/embedding`, {
        token: owner.accessToken,
      });
      if (progress.body.chunks > 0 && progress.body.pending === 0) break;
      if (Date.now() > deadline) throw new Error(`embedding did not finish: ${JSON.stringify(progress.body)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const search = await http(p.baseUrl, "POST", "/api/search", {
      token: owner.accessToken,
      body: { datasetId, query: "dinner", mode: "keyword" },
    });
    expect(search.status, JSON.stringify(search.body)).to.equal(200);
    let text = "";
    for (let i = 0; i < 50 && !/chatlens_index_vectors\{/.test(text); i++) {
      await new Promise((r) => setTimeout(r, 200));
      text = await (await fetch(metricsUrl)).text();
    }
    expect(text).to.match(/chatlens_imports_total\{[^}]*format="whatsapp"[^}]*status="completed"[^}]*\} 1/);
    expect(text).to.match(/chatlens_messages_imported_total\{[^}]*\} 5/);
    expect(text).to.match(/chatlens_embeddings_total\{[^}]*model="use-lite"[^}]*\} [1-9]/);
    expect(text).to.match(/chatlens_searches_total\{[^}]*mode="keyword"[^}]*\} 1/);
    expect(text).to.match(new RegExp(`chatlens_index_vectors\\{[^}]*dataset="${datasetId}"[^}]*\\} [1-9]`));
  });
});
