import { expect } from "chai";
import { addChunks, appendMessages, createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { bigChat, type BigChat } from "../../helpers/big-chat.ts";
import { http, type Schema } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform, type Account } from "../auth/fixtures.ts";

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A topic run on a chat of realistic size: 30,000 generated messages from 40 people in
 * five languages, with emoji placed at the preview cut, @mentions, links and export
 * placeholders (test/helpers/big-chat.ts). Vectors are synthetic (near each planted topic's
 * centre) so no model is needed; everything else is the service path a user's run takes.
 */
describe("topic run on a 30,000-message chat", function () {
  this.timeout(600_000);
  let p: TestPlatform;
  let a: Account;
  let fx: ChatFixture;
  let chat: BigChat;
  let run: Schema<"ClusterRun">;

  before(async () => {
    p = await startAuthPlatform({}, ["api", "auth", "cluster", "ingest", "analytics"] as never);
    a = await signUp(p);
    chat = bigChat({ messages: 30_000, authors: 40, dim: 64 });
    fx = await createChatDataset(p.database.db, { orgId: a.orgId, messages: chat.messages });
    await addChunks(p.database.db, fx, chat.chunks, chat.messages);
    // A hostile name and text: the report must show them as text, never run them.
    fx = await appendMessages(p.database.db, fx, [
      {
        conversation: chat.messages[0]!.conversation,
        author: `<img src=x onerror="alert(1)"> Eve`,
        at: "2017-02-01T10:00:00Z",
        text: "hi <script>alert(2)</script> 🎉",
      },
    ]);
  });
  after(async () => p?.stop());

  it("finishes with automatic k, labels of content words only, and previews that are whole characters", async () => {
    const runs = `/api/datasets/${fx.datasetId}/clusters/runs` as const;
    const start = await http(p.baseUrl, "POST", runs, { token: a.accessToken, body: {} });
    expect(start.status, JSON.stringify(start.body)).to.equal(202);
    // Hang guard only: the time is measured in bench/topics-real.ts.
    for (const deadline = Date.now() + 540_000; Date.now() < deadline;) {
      run = (await http(p.baseUrl, "GET", `${runs}/${start.body.id}`, { token: a.accessToken })).body;
      if (run.status === "completed" || run.status === "failed") break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run.status, JSON.stringify(run.error)).to.equal("completed");
    const clusters = run.result!.clusters;
    expect(clusters.length, "planted 8 topics").to.be.within(6, 12);
    const nameWords = new Set(chat.authors.flatMap((n) => n.toLowerCase().split(/\s+/)));
    for (const c of clusters) {
      for (const word of c.label.split(/[ ,]+/).filter(Boolean)) {
        expect(nameWords.has(word), `label "${c.label}" names a participant`).to.equal(false);
        expect(word, `label "${c.label}"`).to.not.match(/^(omitted|media|image|deleted|https?|www|message)$/);
      }
    }
    const all = clusters.map((c) => c.label).join(" | ");
    expect(all).to.match(/goal|striker|match|penalty|referee/);
    expect(all).to.match(/sourdough|oven|recipe|garlic|bread/);
    const hierarchy = run.result!.hierarchy!;
    expect(hierarchy.parents.length).to.be.within(2, clusters.length - 1);
    expect(hierarchy.parentOf).to.have.length(clusters.length);

    const map = await http(p.baseUrl, "GET", `${runs}/${run.id}/map`, { token: a.accessToken });
    expect(map.status).to.equal(200);
    expect(map.body.preview.length).to.be.greaterThan(1000);
    for (const text of map.body.preview) {
      expect(LONE_SURROGATE.test(text), text).to.equal(false);
      expect(text.length).to.be.at.most(120);
    }
    expect(
      map.body.preview.some((t) => /👨‍👩‍👧‍👦/u.test(t)),
      "emoji kept whole somewhere",
    ).to.equal(true);
  });

  it("exports topics and every chunk's assignment as CSV and JSON", async () => {
    const base = `/api/datasets/${fx.datasetId}/clusters/runs/${run.id}/export` as const;
    const json = await http(p.baseUrl, "GET", base, { token: a.accessToken });
    expect(json.status).to.equal(200);
    expect(json.body.assignments).to.have.length(chat.chunks.length);
    expect(json.body.topics).to.have.length(run.result!.clusters.length);
    expect(json.body.assignments[0]).to.include.keys(
      "chunkId",
      "conversation",
      "start",
      "topic",
      "topicLabel",
      "parent",
      "parentLabel",
    );
    const csv = await fetch(`${p.baseUrl}${base}?format=csv`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(csv.status).to.equal(200);
    expect(csv.headers.get("content-type")).to.match(/text\/csv/);
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).to.equal(
      "chunk_id,conversation_id,conversation,start,topic,topic_label,parent_topic,parent_label",
    );
    expect(lines).to.have.length(chat.chunks.length + 1);
  });

  it("locates a topic member in its conversation for the viewer", async () => {
    const members = await http(p.baseUrl, "GET", `/api/datasets/${fx.datasetId}/clusters/runs/${run.id}/export`, {
      token: a.accessToken,
    });
    const chunkId = members.body.assignments[10].chunkId;
    const where = await http(
      p.baseUrl,
      "GET",
      `/api/datasets/${fx.datasetId}/chunks/${encodeURIComponent(chunkId)}/location`,
      { token: a.accessToken },
    );
    expect(where.status, JSON.stringify(where.body)).to.equal(200);
    expect(where.body.conversationId).to.equal(Object.values(fx.conversationIds)[0]);
    const message = await http(
      p.baseUrl,
      "GET",
      `/api/datasets/${fx.datasetId}/messages/${where.body.messageIds[0]}?context=3`,
      { token: a.accessToken },
    );
    expect(message.status).to.equal(200);
    expect(message.body.before).to.have.length(3);
    const other = await signUp(p);
    expect(
      (
        await http(p.baseUrl, "GET", `/api/datasets/${fx.datasetId}/chunks/${encodeURIComponent(chunkId)}/location`, {
          token: other.accessToken,
        })
      ).status,
    ).to.equal(404);
    expect(
      (await http(p.baseUrl, "GET", `/api/datasets/${fx.datasetId}/chunks/nope/location`, { token: a.accessToken }))
        .status,
    ).to.equal(404);
  });

  it("downloads a self-contained HTML report of the dashboards and topics that needs no network", async () => {
    const res = await fetch(`${p.baseUrl}/api/datasets/${fx.datasetId}/report?tz=Europe%2FBerlin`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/text\/html/);
    expect(res.headers.get("content-disposition")).to.match(/attachment; filename="chatlens-report-.*\.html"/);
    const html = await res.text();
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.include("Messages over time").and.include("Who starts conversations").and.include("Topics");
    expect(html).to.include(run.result!.clusters[0]!.label.split(",")[0]!);
    // Nothing to fetch and nothing to run: no script, no external URL in src/href.
    expect(html).to.not.match(/<script/i);
    expect(html).to.not.match(/(src|href)=["']?https?:/i);
    // The hostile name may not rank among the people shown; wherever it appears it is text.
    expect(html).to.not.include("<img src=x");
    expect(html).to.not.include("<script>alert(2)");
    expect((await fetch(`${p.baseUrl}/api/datasets/${fx.datasetId}/report`)).status).to.equal(401);
  });
});
