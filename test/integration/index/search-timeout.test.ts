import { expect } from "chai";
import pg from "pg";
import { http } from "../../helpers/http.ts";
import { requireServers } from "../../helpers/servers.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { uploadFile, waitForImport } from "../ingest/helpers.ts";
import { INDEX_SERVICES, INDEX_TEST_ENV, search } from "./helpers.ts";

function chat(): string {
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const at = new Date(Date.UTC(2024, 2, 1, 9) + i * 5 * 60_000);
    const stamp = `${at.getUTCMonth() + 1}/${at.getUTCDate()}/24, ${at.getUTCHours()}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
    lines.push(
      `${stamp} - ${i % 3 ? "Ana" : "Bea"}: ${i % 20 === 0 ? "the boat trip on saturday" : `message ${i} about lunch`}`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Issue 13 point 7: a search that gave up must not leave its queries running in the database (a
 * filtered search once kept PostgreSQL busy for minutes after it had answered). On PostgreSQL,
 * searches read through a pool whose statements the server cancels at SEARCH_TIMEOUT_S. Here the
 * messages table is held locked by another session, so the search's read waits; it is cancelled
 * at the timeout, answered 504 with its own code, and nothing of it is left waiting.
 */
describe("search: a timed-out search leaves no query behind (PostgreSQL)", function () {
  this.timeout(300_000);
  let p: TestPlatform;
  let a: Account;
  let datasetId: string;

  before(async function () {
    this.timeout(600_000);
    await requireServers(this, "postgres");
    p = await startTestPlatform({
      services: INDEX_SERVICES,
      env: { ...INDEX_TEST_ENV, SEARCH_TIMEOUT_S: "2" },
      db: "postgres",
    });
    a = await signUp(p);
    const created = await http(p.baseUrl, "POST", "/api/datasets", { token: a.accessToken, body: { name: "boats" } });
    datasetId = created.body.id;
    const upload = await uploadFile(p, a.accessToken, datasetId, {
      name: "WhatsApp Chat with Boats.txt",
      content: chat(),
    });
    expect(upload.status, JSON.stringify(upload.body)).to.equal(202);
    expect((await waitForImport(p, a.accessToken, upload.body.id)).status).to.equal("completed");
  });
  after(async () => p?.stop());

  it("answers 504 SEARCH_TIMEOUT and the database holds no query of it afterwards", async () => {
    const boat = () => search(p.baseUrl, a.accessToken, { datasetId, query: "boat trip", mode: "keyword" });
    const warm = await boat();
    expect(warm.status, JSON.stringify(warm.body)).to.equal(200);
    expect(warm.body.items).to.not.be.empty;

    const locker = new pg.Client({ connectionString: p.database.url });
    await locker.connect();
    try {
      await locker.query("begin");
      await locker.query("lock table messages in access exclusive mode");
      const res = await boat();
      expect(res.status, JSON.stringify(res.body)).to.equal(504);
      expect(res.error.code).to.equal("SEARCH_TIMEOUT");
      // Its own message reaches the caller (a code the error table lacked was answered as a generic server error).
      expect(res.error.message).to.match(/narrow it down with filters/);
      expect(JSON.stringify(res.body)).to.not.match(/select|messages|57014/i);
      // The lock is still held: a query of the search that had not been cancelled would wait on it.
      // (Only the search pool's sessions: a sweep of another service may be waiting on it too.)
      const waiting = await locker.query(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and application_name = 'chatlens-search' and wait_event_type = 'Lock'`,
      );
      expect(waiting.rows[0].n).to.equal(0);
    } finally {
      await locker.query("rollback").catch(() => undefined);
      await locker.end();
    }
    const after = await boat();
    expect(after.status, JSON.stringify(after.body)).to.equal(200);
  });
});
