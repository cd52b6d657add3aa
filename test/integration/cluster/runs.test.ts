import { monitorEventLoopDelay } from "node:perf_hooks";
import { expect } from "chai";
import { seededRandom, type RandomFn } from "../../../services/cluster/random.ts";
import {
  addChunks,
  appendMessages,
  createChatDataset,
  type ChatFixture,
  type FixtureMessage,
} from "../../helpers/chat-fixtures.ts";
import { http, httpRaw } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform, type Account } from "../auth/fixtures.ts";

/** Real chat lines per planted topic; vectors are synthetic but share a centre per topic. */
const TOPICS: Record<string, string[]> = {
  baking: [
    "my sourdough starter finally doubled overnight",
    "the sourdough bread crust came out crispy from the oven",
    "how much flour do you feed the sourdough starter",
    "baked two loaves of sourdough bread this morning",
    "the dough needs a longer proof before baking the bread",
  ],
  football: [
    "what a goal in the football match last night",
    "the referee gave a penalty in the second half of the match",
    "our football team needs a better striker",
    "the match went to extra time and the goalkeeper saved it",
    "tickets for the football final are sold out",
  ],
  travel: [
    "booked the flights for our holiday in lisbon",
    "the hotel near the beach has free breakfast",
    "packing the suitcase for the holiday trip tomorrow",
    "the train to the airport leaves at six",
    "we should rent a car for the holiday road trip",
  ],
  guitar: [
    "practising guitar chords every evening now",
    "the new guitar strings sound much brighter",
    "learned the barre chords on the guitar finally",
    "my guitar teacher showed me a fingerpicking pattern",
    "tuning the guitar before the band rehearsal",
  ],
};

function gaussian(random: RandomFn): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Messages and chunk specs for `perTopic` two-message chunks of each topic, a week apart per round. */
function plantedChat(topics: string[], perTopic: number, dim: number, seed: number) {
  const random = seededRandom(seed);
  // Fixed centres per topic (seeded by the topic's name), so two calls plant the same topics.
  const centres = Object.fromEntries(
    Object.keys(TOPICS).map((t) => {
      const r = seededRandom([...t].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
      return [t, Array.from({ length: dim }, () => gaussian(r))];
    }),
  );
  const messages: FixtureMessage[] = [];
  const chunks: { messages: number[]; vector: number[] }[] = [];
  const authors = ["Ana", "Ben", "Chloe"];
  let minute = 0;
  for (let i = 0; i < perTopic; i++)
    for (const topic of topics) {
      const lines = TOPICS[topic]!;
      const at = (m: number) => new Date(Date.UTC(2024, 0, 1) + (i * 7 * 24 * 60 + m) * 60_000).toISOString();
      minute += 3;
      messages.push({ conversation: topic, author: authors[i % 3], at: at(minute), text: lines[i % lines.length] });
      messages.push({
        conversation: topic,
        author: authors[(i + 1) % 3],
        at: at(minute + 1),
        text: lines[(i + 2) % lines.length],
      });
      chunks.push({
        messages: [messages.length - 2, messages.length - 1],
        vector: centres[topic]!.map((c) => c + gaussian(random) * 0.35),
      });
    }
  return { messages, chunks };
}

async function waitForRun(p: TestPlatform, token: string, datasetId: string, runId: string) {
  for (const deadline = Date.now() + 270_000; Date.now() < deadline;) {
    const res = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/clusters/runs/${runId}`, { token });
    if (res.body.status === "completed" || res.body.status === "failed") return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("run did not finish");
}

describe("cluster runs over HTTP", function () {
  this.timeout(540_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let fx: ChatFixture;
  let chat: ReturnType<typeof plantedChat>;
  let firstRun: string;
  const runs = () => `/api/datasets/${fx.datasetId}/clusters/runs` as const;

  before(async () => {
    p = await startAuthPlatform({}, ["api", "auth", "cluster"] as never);
    a = await signUp(p);
    b = await signUp(p);
    chat = plantedChat(["baking", "football", "travel"], 20, 32, 1);
    fx = await createChatDataset(p.database.db, { orgId: a.orgId, messages: chat.messages });
    await addChunks(p.database.db, fx, chat.chunks, chat.messages);
  });
  after(async () => p?.stop());

  it("runs a job with progress and recovers each planted topic as its own labelled cluster", async () => {
    const start = await http(p.baseUrl, "POST", runs(), { token: a.accessToken, body: { k: 3 } });
    expect(start.status, JSON.stringify(start.body)).to.equal(202);
    expect(start.body).to.include({ status: "queued", datasetId: fx.datasetId });
    expect(start.body.indexVersion).to.match(/^embeddings:60:\d+$/);
    firstRun = start.body.id;
    const run = await waitForRun(p, a.accessToken, fx.datasetId, firstRun);
    expect(run.status, JSON.stringify(run.error)).to.equal("completed");
    expect(run.progress).to.equal(1);
    const { clusters, overTime } = run.result!;
    expect(clusters.map((c) => c.size)).to.deep.equal([20, 20, 20]);
    const labels = clusters.map((c) => c.label).join(" | ");
    expect(labels).to.match(/sourdough|bread/);
    expect(labels).to.match(/football|match/);
    expect(labels).to.match(/holiday/);
    const rep = clusters[0].representatives[0];
    expect(rep.messages).to.have.length(2);
    expect(rep.messages[0].author).to.be.oneOf(["Ana", "Ben", "Chloe"]);
    expect(rep.messages[0].text).to.be.a("string").and.not.empty;
    expect(clusters[0].participants.length).to.be.greaterThan(0);
    expect(overTime?.granularity).to.equal("week");
    expect(overTime?.periods[0].shares.reduce((x: number, y: number) => x + y, 0)).to.be.closeTo(1, 1e-9);
    expect(run.result, "the map is served separately").to.not.have.property("map");
  });

  it("serves the stored map as compact arrays with previews", async () => {
    const res = await http(p.baseUrl, "GET", `${runs()}/${firstRun}/map`, { token: a.accessToken });
    expect(res.status).to.equal(200);
    expect(res.body.method).to.equal("umap");
    for (const key of ["ids", "x", "y", "cluster", "preview"] as const) expect(res.body[key], key).to.have.length(60);
    expect(res.body.preview[0]).to.be.a("string").and.not.empty;
  });

  it("lists runs and compares a rerun on newer vectors: the new topic is gained", async () => {
    const more = plantedChat(["guitar"], 20, 32, 2);
    const offset = fx.messageIds.length;
    fx = await appendMessages(p.database.db, fx, more.messages);
    const all = [...chat.messages, ...more.messages];
    await addChunks(
      p.database.db,
      fx,
      more.chunks.map((c) => ({ ...c, messages: c.messages.map((i) => i + offset) })),
      all,
    );

    const start = await http(p.baseUrl, "POST", runs(), { token: a.accessToken, body: { k: 4, mapMethod: "tsne" } });
    expect(start.status).to.equal(202);
    const second = await waitForRun(p, a.accessToken, fx.datasetId, start.body.id);
    expect(second.status, JSON.stringify(second.error)).to.equal("completed");
    expect(second.indexVersion).to.match(/^embeddings:80:/);

    const list = await http(p.baseUrl, "GET", runs(), { token: a.accessToken });
    expect(list.body.runs.map((r) => r.id)).to.deep.equal([start.body.id, firstRun]);
    expect(list.body.runs[0]).to.include({ k: 4, totalChunks: 80, status: "completed" });

    const map = await http(p.baseUrl, "GET", `${runs()}/${start.body.id}/map`, { token: a.accessToken });
    expect(map.body.method).to.equal("tsne");

    const cmp = await http(p.baseUrl, "GET", `${runs()}/${firstRun}/compare/${start.body.id}`, {
      token: a.accessToken,
    });
    expect(cmp.status, JSON.stringify(cmp.body)).to.equal(200);
    expect(cmp.body.lost).to.deep.equal([]);
    expect(cmp.body.gained).to.have.length(1);
    expect(cmp.body.gained[0].label).to.match(/guitar|chords/);
    expect(cmp.body.matched).to.have.length(3);
    expect(cmp.body.matched.map((m) => [m.sizeBefore, m.sizeAfter])).to.deep.equal([
      [20, 20],
      [20, 20],
      [20, 20],
    ]);
  });

  it("answers 404 for another org's dataset and runs, 401 anonymous, 422 for bad params", async () => {
    expect((await http(p.baseUrl, "POST", runs(), { token: b.accessToken, body: {} })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", runs(), { token: b.accessToken })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", `${runs()}/${firstRun}`, { token: b.accessToken })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", `${runs()}/${firstRun}/map`, { token: b.accessToken })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", runs())).status).to.equal(401);
    expect((await http(p.baseUrl, "POST", runs(), { token: a.accessToken, body: { k: 1 } })).status).to.equal(422);
    expect(
      (await httpRaw(p.baseUrl, "POST", runs(), { token: a.accessToken, body: { mapMethod: "pca" } })).status,
    ).to.equal(422);
  });

  it("keeps the gateway's event loop free while a large run works on its worker thread", async () => {
    const big = plantedChat(["baking", "football", "travel", "guitar"], 750, 64, 3);
    const bigFx = await createChatDataset(p.database.db, { orgId: a.orgId, messages: big.messages });
    await addChunks(p.database.db, bigFx, big.chunks, big.messages);
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    const start = await http(p.baseUrl, "POST", `/api/datasets/${bigFx.datasetId}/clusters/runs`, {
      token: a.accessToken,
      body: {},
    });
    expect(start.status).to.equal(202);
    histogram.enable();
    let slowest = 0;
    let answeredWhileRunning = 0;
    let run;
    for (;;) {
      const t = performance.now();
      expect((await http(p.baseUrl, "GET", "/api/health")).status).to.equal(200);
      run = (
        await http(p.baseUrl, "GET", `/api/datasets/${bigFx.datasetId}/clusters/runs/${start.body.id}`, {
          token: a.accessToken,
        })
      ).body;
      slowest = Math.max(slowest, performance.now() - t);
      if (run.status === "completed" || run.status === "failed") break;
      if (run.status === "running") answeredWhileRunning++;
      await new Promise((r) => setTimeout(r, 50));
    }
    histogram.disable();
    expect(run.status, JSON.stringify(run.error)).to.equal("completed");
    expect(run.result!.k, "k chosen by silhouette").to.equal(4);
    // Work on the gateway's own loop would hold every request until the run ended; off the loop,
    // health and status answer throughout. Asserted as a count, not in ms (a busy machine stretches
    // both the run and the answers); the delay is printed for the record only.
    expect(answeredWhileRunning, "health + status pairs answered while the run was running").to.be.at.least(3);
    const p99 = histogram.percentile(99) / 1e6;
    console.log(
      `      event-loop delay during a 3,000-chunk run: p99 ${p99.toFixed(1)} ms, max ${(histogram.max / 1e6).toFixed(1)} ms; slowest health + status pair ${slowest.toFixed(0)} ms; ${answeredWhileRunning} pairs answered while running`,
    );
  });
});
