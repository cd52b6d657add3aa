import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { parseCommandLine } from "../../../platform/operator-commands.ts";
import { isolatedDatabase } from "../../helpers/database.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import { hasTmux, TmuxSession } from "../../helpers/tmux.ts";
import { signUp } from "../auth/fixtures.ts";
import { chatter, counts, EMBED_TEST_ENV } from "../embedder/helpers.ts";
import { INDEX_TEST_ENV, search, seedIndexedDataset, startIndexPlatform } from "../index/helpers.ts";

const run = promisify(execFile);

/** Runs an operator command exactly as bin/operator.ts and the REPL do: parsed from words, then `run`. */
async function operator(p: TestPlatform, ...argv: string[]): Promise<any> {
  const parsed = parseCommandLine(argv);
  if (!parsed) throw new Error(`not an operator command: ${argv.join(" ")}`);
  return parsed.command.run(p.broker, parsed.args);
}

describe("operator commands: index versions and channel backlogs", function () {
  this.timeout(360_000);
  let p: TestPlatform;

  before(async () => {
    p = await startIndexPlatform();
  });
  after(() => p?.stop());

  it("reindexes a dataset, pins and unpins a version, outside any org", async () => {
    const owner = await signUp(p);
    const { datasetId } = await seedIndexedDataset(p, owner, [chatter(30)]);
    const before = await operator(p, "index:versions", datasetId);
    const first = before.items[0].version as number;

    const rebuilt = await operator(p, "index:reindex", datasetId);
    expect(rebuilt.version).to.be.greaterThan(first);
    expect(rebuilt.manifest.vectorCount).to.equal((await counts(p.database.db, datasetId)).chunks);

    expect(await operator(p, "index:pin", datasetId, String(first))).to.deep.equal({ datasetId, pinnedVersion: first });
    let status = await operator(p, "index:status", datasetId);
    expect(status).to.include({ pinnedVersion: first, latestVersion: rebuilt.version, pendingChunks: 0 });
    const res = await search(p.baseUrl, owner.accessToken, { datasetId, query: "hiking trip", mode: "semantic" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);

    expect(await operator(p, "index:unpin", datasetId)).to.deep.equal({ datasetId, pinnedVersion: null });
    status = await operator(p, "index:status", datasetId);
    expect(status.pinnedVersion).to.equal(null);
  });

  it("answers NOT_FOUND for a dataset that does not exist", async () => {
    const err = await operator(p, "index:reindex", "00000000-0000-4000-8000-000000000000").catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as { code?: unknown; type?: string }).type).to.equal("NOT_FOUND");
  });

  it("reports embedded mode's backlog from the database: none once every chunk has a vector", async () => {
    const backlog = await operator(p, "channels:backlog");
    expect(backlog).to.deep.equal({ channels: null, datasets: [] });
  });
});

describe("operator CLI: channels:backlog on a NATS JetStream cluster", function () {
  this.timeout(270_000);
  const namespace = `ops-${randomBytes(4).toString("hex")}`;
  let embedder: TestPlatform | undefined;
  let database: Awaited<ReturnType<typeof isolatedDatabase>> | undefined;

  before(async function () {
    await requireServers(this, "nats", "postgres");
    database = await isolatedDatabase("postgres");
  });
  after(async () => {
    await embedder?.stop();
    await database?.close();
  });

  it("lists the namespace's streams with their consumer groups, and the database backlog", async () => {
    const env = { TRANSPORTER: SERVERS.nats.url, NAMESPACE: namespace, DATABASE_URL: database!.url! };
    // An embedder node creates the namespace's streams and consumers.
    embedder = await startTestPlatform({
      services: ["embedder"],
      database,
      env: { ...EMBED_TEST_ENV, ...env },
      nodeID: "emb-1",
    });
    // Asynchronous: the in-process embedder must keep answering JetStream while the CLI runs.
    const { stdout } = await run(process.execPath, ["--import", "tsx", "bin/operator.ts", "channels:backlog"], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, LOG_LEVEL: "warn" },
      timeout: 180_000,
    });
    const body = JSON.parse(stdout);
    const streams = body.channels.map((c: { stream: string }) => c.stream);
    expect(streams).to.include.members([`${namespace}_embed_chunk`, `${namespace}_embed_jobs`]);
    for (const c of body.channels) {
      expect(c.messages).to.equal(0);
      expect(c.consumers.length).to.be.greaterThan(0);
      expect(c.consumers[0]).to.have.keys(["group", "pending", "inFlight", "redelivered"]);
    }
    expect(body.datasets).to.deep.equal([]);
  });
});

describe("operator REPL: index and channel commands are registered", function () {
  this.timeout(180_000);
  let session: TmuxSession | undefined;
  let dataDir = "";

  before(function () {
    if (!hasTmux()) {
      if (process.env.CI === "true") throw new Error("CI=true and tmux is missing");
      this.skip();
    }
  });
  after(() => {
    session?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("runs channels:backlog and index:reindex from the REPL", async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-ops-repl-"));
    const env = Object.entries({
      ...INDEX_TEST_ENV,
      PORT: "0",
      DATA_DIR: dataDir,
      METRICS_ENABLED: "false",
      LOG_LEVEL: "warn",
      CHATLENS_SKIP_UI_BUILD: "1",
    })
      .map(([k, v]) => `${k}='${v}'`)
      .join(" ");
    session = TmuxSession.start(`chatlens-ops-repl-${process.pid}`, `env ${env} npm run repl`, REPO_ROOT);
    await session.waitFor(/mol \$/, 135_000);
    session.type("channels:backlog");
    expect(await session.waitFor(/"datasets": \[\]/)).to.match(/"channels": null/);
    session.type("index:reindex 00000000-0000-4000-8000-000000000000");
    expect(await session.waitFor(/NOT_FOUND: Dataset not found/)).to.match(/NOT_FOUND/);
  });
});
