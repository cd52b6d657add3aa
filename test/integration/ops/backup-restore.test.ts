import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import pg from "pg";
import { latestVersions } from "../../../services/ops/backup.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { http } from "../../helpers/http.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { outboxDirOf, tokensOf } from "../../helpers/accounts.ts";
import { INDEX_TEST_ENV } from "../index/helpers.ts";
import {
  createDataset,
  signUpAt,
  startPlatform,
  topicExport,
  uploadAndWait,
  waitForIndexed,
  type RunningPlatform,
} from "./helpers.ts";

const run = promisify(execFile);
const QUERIES = [
  { query: "leaking pipe", mode: "keyword" },
  { query: "planning a walk in the hills", mode: "semantic" },
  { query: "dinner recipe with cheese", mode: "hybrid" },
] as const;

/** The CLI as an operator runs it (asynchronously: the test's own platform may still be running). */
async function cli(script: "bin/backup.ts" | "bin/restore.ts", arg: string, env: Record<string, string>) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", script, arg], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...INDEX_TEST_ENV, LOG_LEVEL: "warn", ...env },
    timeout: 180_000,
  });
  return JSON.parse(stdout);
}

async function searches(p: RunningPlatform, token: string, datasetId: string) {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    const res = await http(p.baseUrl, "POST", "/api/search", { token, body: { datasetId, ...q, pageSize: 20 } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    out.push(res.body.items.map((i) => [i.chunkId, i.message.id]));
  }
  return out;
}

for (const kind of ["pglite", "postgres"] as const) {
  describe(`backup and restore (${kind}): the same searches give the same results`, function () {
    this.timeout(540_000);
    const dirs: string[] = [];
    const tmp = (tag: string) => {
      const d = mkdtempSync(path.join(os.tmpdir(), `chatlens-backup-${tag}-`));
      dirs.push(d);
      return d;
    };
    let source: IsolatedDatabase | undefined;
    let restoredUrl: string | undefined;
    const running: RunningPlatform[] = [];

    before(async function () {
      if (kind === "postgres") {
        await requireServers(this, "postgres");
        source = await isolatedDatabase("postgres");
        const url = new URL(SERVERS.postgres.url);
        url.pathname = `/chatlens_test_restored_${randomBytes(5).toString("hex")}`;
        restoredUrl = url.toString();
      }
    });
    after(async () => {
      for (const p of running) await p.stop().catch(() => {});
      await source?.close();
      if (restoredUrl) {
        const admin = new pg.Client({ connectionString: SERVERS.postgres.url });
        await admin.connect();
        await admin.query(`drop database if exists ${new URL(restoredUrl).pathname.slice(1)} with (force)`);
        await admin.end();
      }
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it("imports, embeds, backs up, restores into fresh locations and answers identically", async () => {
      const originalDir = tmp("original");
      const dbEnv: Record<string, string> = source ? { DATABASE_URL: source.url! } : {};
      const a = await startPlatform({ DATA_DIR: originalDir, ...dbEnv });
      running.push(a);
      const owner = await signUpAt(a.baseUrl, outboxDirOf({ dataDir: originalDir }));
      const datasetId = await createDataset(a.baseUrl, owner.accessToken);
      expect((await uploadAndWait(a.baseUrl, owner.accessToken, datasetId, topicExport(300))).status).to.equal(
        "completed",
      );
      await waitForIndexed(a.baseUrl, owner.accessToken, datasetId);
      // A second version and a pin, so the restore must carry every version tag, not only the live files.
      const rebuilt = await http(a.baseUrl, "POST", `/api/datasets/${datasetId}/index/rebuild`, {
        token: owner.accessToken,
      });
      expect(rebuilt.status, JSON.stringify(rebuilt.body)).to.equal(200);
      const pin = await http(a.baseUrl, "POST", `/api/datasets/${datasetId}/index/pin`, {
        token: owner.accessToken,
        body: { version: 1 },
      });
      expect(pin.status, JSON.stringify(pin.body)).to.be.oneOf([200, 201]);
      const expected = await searches(a, owner.accessToken, datasetId);
      expect(
        (expected as unknown[][]).map((items) => items.length > 0),
        JSON.stringify(expected),
      ).to.deep.equal([true, true, true]);

      const versionsOf = async (p: RunningPlatform, token: string) =>
        (await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/index/versions`, { token })).body.items.map((v) => [
          v.version,
          v.pinned,
        ]);
      const backupDir = path.join(tmp("out"), "backup");
      const versionsAtBackup = await versionsOf(a, owner.accessToken);
      expect(versionsAtBackup.at(-1)).to.deep.equal([1, true]);
      // PGlite has one owner: the platform stops before its backup. PostgreSQL is dumped hot.
      if (kind === "pglite") await running.pop()!.stop();
      const manifest = await cli("bin/backup.ts", backupDir, { DATA_DIR: originalDir, ...dbEnv });
      expect(manifest.database.kind).to.equal(kind);
      expect(manifest.indexes.refs).to.be.greaterThanOrEqual(3);
      if (kind === "postgres") await running.pop()!.stop();

      const restoredDir = tmp("restored");
      const restoredEnv: Record<string, string> = restoredUrl ? { DATABASE_URL: restoredUrl } : {};
      const restored = await cli("bin/restore.ts", backupDir, { DATA_DIR: restoredDir, ...restoredEnv });
      expect(restored.liveIndexes).to.have.length(1);

      const b = await startPlatform({ DATA_DIR: restoredDir, ...restoredEnv });
      running.push(b);
      const login = await http(b.baseUrl, "POST", "/api/auth/login", {
        body: { email: owner.email, password: PASSWORD },
      });
      expect(login.status, JSON.stringify(login.body)).to.equal(200);
      expect(await versionsOf(b, tokensOf(login.body).accessToken)).to.deep.equal(versionsAtBackup);
      expect(await searches(b, tokensOf(login.body).accessToken, datasetId)).to.deep.equal(expected);
    });
  });
}

describe("backup: latest version of each index from the tag list", () => {
  it("picks the highest version per index, numerically", () => {
    const refs = ["refs/tags/v/d1/m/2", "refs/tags/v/d1/m/10", "refs/tags/v/d2/m/1", "refs/tags/pin/d1/m/2"].join("\n");
    expect([...latestVersions(refs)]).to.deep.equal([
      ["d1/m", "refs/tags/v/d1/m/10"],
      ["d2/m", "refs/tags/v/d2/m/1"],
    ]);
  });
});
