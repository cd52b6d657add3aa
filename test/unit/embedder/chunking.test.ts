import { expect } from "chai";
import fc from "fast-check";
import {
  chunkMessages,
  chunkMessageStream,
  Chunker,
  chunkingVersion,
  CHUNKING_VERSION,
  type ChatMessage,
} from "../../../services/embedder/chunking.ts";

const t0 = Date.UTC(2024, 0, 1, 12, 0, 0);
let nextId = 1;
function msg(minute: number, authorName: string, text: string, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    id: nextId++,
    conversationId: "c1",
    authorName,
    text,
    timestamp: new Date(t0 + minute * 60_000),
    kind: "text",
    ...extra,
  };
}

describe("chunking", function () {
  beforeEach(function () {
    nextId = 1;
  });

  it("groups consecutive messages as 'Author: text' lines with their ids and times", function () {
    const chunks = chunkMessages([
      msg(0, "Ann", "Are we still on for dinner tonight?"),
      msg(1, "Bob", "ok"),
      msg(2, "Ann", "lol"),
    ]);
    expect(chunks).to.have.length(1);
    expect(chunks[0]!.text).to.equal("Ann: Are we still on for dinner tonight?\nBob: ok\nAnn: lol");
    expect(chunks[0]!.messageIds).to.deep.equal([1, 2, 3]);
    expect(chunks[0]!.startTs.getTime()).to.equal(t0);
    expect(chunks[0]!.endTs.getTime()).to.equal(t0 + 2 * 60_000);
    expect(chunks[0]!.chunkingVersion).to.equal(chunkingVersion());
  });

  it("splits at a time gap, without overlap", function () {
    const chunks = chunkMessages([
      msg(0, "Ann", "Did you finish the slides for tomorrow's meeting?"),
      msg(5, "Bob", "Almost, just the budget part left to write."),
      msg(120, "Ann", "Totally different topic: who is bringing the cake on Friday?"),
    ]);
    expect(chunks.map((c) => c.messageIds)).to.deep.equal([[1, 2], [3]]);
  });

  it("never lets a short reply after a gap stand alone: it joins the previous chunk", function () {
    const chunks = chunkMessages([
      msg(0, "Ann", "Can you pick up the kids from school at four?"),
      msg(180, "Bob", "ok"),
      msg(400, "Ann", "Next week we should plan the holiday trip properly."),
      msg(401, "Bob", "Sounds good, I'll look at flights tonight."),
    ]);
    expect(chunks.map((c) => c.messageIds)).to.deep.equal([
      [1, 2],
      [3, 4],
    ]);
  });

  it("carries a short opener across a gap into the next messages when nothing precedes it", function () {
    const chunks = chunkMessages([msg(0, "Ann", "lol"), msg(90, "Bob", "What was funny? I missed the whole thread.")]);
    expect(chunks.map((c) => c.messageIds)).to.deep.equal([[1, 2]]);
  });

  it("splits at the size limit with a one-message overlap", function () {
    const messages = Array.from({ length: 12 }, (_, i) =>
      msg(i, i % 2 ? "Bob" : "Ann", `This is message number ${i} with some words.`),
    );
    const chunks = chunkMessages(messages, { maxChars: 160 });
    expect(chunks.length).to.be.greaterThan(2);
    for (const c of chunks) expect(c.text.length).to.be.at.most(160);
    for (let i = 1; i < chunks.length; i++) {
      expect(chunks[i]!.messageIds[0]).to.equal(chunks[i - 1]!.messageIds.at(-1));
    }
    expect(new Set(chunks.flatMap((c) => c.messageIds))).to.have.property("size", 12);
  });

  it("honours overlap 0", function () {
    const messages = Array.from({ length: 12 }, (_, i) =>
      msg(i, "Ann", `This is message number ${i} with some words.`),
    );
    const chunks = chunkMessages(messages, { maxChars: 160, overlap: 0 });
    expect(chunks.flatMap((c) => c.messageIds)).to.deep.equal(messages.map((m) => m.id));
  });

  it("excludes system and deleted messages and empty texts", function () {
    const chunks = chunkMessages([
      msg(0, "Ann", "Welcome to the group everyone, glad you are here!"),
      msg(1, "", "Bob joined the group", { kind: "system" }),
      msg(2, "Bob", "This message was deleted", { kind: "deleted" }),
      msg(3, "Bob", "   ", { kind: "media" }),
      msg(4, "Bob", "Thanks Ann! Happy to be here."),
    ]);
    expect(chunks).to.have.length(1);
    expect(chunks[0]!.messageIds).to.deep.equal([1, 5]);
    expect(chunks[0]!.text).to.not.match(/joined|deleted/);
  });

  it("never mixes conversations", function () {
    const chunks = chunkMessages([
      msg(0, "Ann", "First conversation, first message here."),
      msg(1, "Bob", "ok"),
      msg(2, "Cid", "Second conversation starts right here.", { conversationId: "c2" }),
      msg(3, "Dee", "yes", { conversationId: "c2" }),
    ]);
    expect(chunks.map((c) => [c.conversationId, c.messageIds])).to.deep.equal([
      ["c1", [1, 2]],
      ["c2", [3, 4]],
    ]);
  });

  it("splits a very long message into pieces within the limit, with distinct ids", function () {
    const long = Array.from({ length: 200 }, (_, i) => `word${i}`).join(" ") + " " + "x".repeat(900);
    const chunks = chunkMessages([
      msg(0, "Ann", "ok"),
      msg(1, "Bob", long),
      msg(2, "Ann", "Wow, that was a long one."),
    ]);
    const pieces = chunks.filter((c) => c.messageIds.includes(2));
    expect(pieces.length).to.be.greaterThan(3);
    for (const c of chunks) expect(c.text.length).to.be.at.most(600 * 1.25);
    expect(pieces[0]!.messageIds).to.deep.equal([1, 2]);
    expect(new Set(chunks.map((c) => c.id)).size).to.equal(chunks.length);
    expect(chunks.at(-1)!.messageIds).to.include(3);
  });

  it("sizes in tokens when given a token counter, and records it in the version", function () {
    const countTokens = (t: string) => t.split(/\s+/).filter(Boolean).length;
    const messages = Array.from({ length: 20 }, (_, i) => msg(i, "Ann", `one two three four five six seven ${i}`));
    const chunks = chunkMessages(messages, { countTokens, tokenizerId: "words", maxTokens: 30 });
    for (const c of chunks) expect(c.text.split("\n").reduce((n, l) => n + countTokens(l), 0)).to.be.at.most(30);
    expect(chunks[0]!.chunkingVersion).to.contain("30tok:words");
    expect(() => new Chunker({ countTokens })).to.throw(/tokenizerId/);
  });

  it("derives a deterministic version from the config", function () {
    expect(chunkingVersion()).to.equal(`${CHUNKING_VERSION};gap=30m;max=600ch;overlap=1;min=30;exclude=deleted+system`);
    expect(chunkingVersion({ excludeKinds: ["system", "deleted"] })).to.equal(
      chunkingVersion({ excludeKinds: ["deleted", "system"] }),
    );
    expect(chunkingVersion({ gapMinutes: 10 })).to.not.equal(chunkingVersion());
  });

  it("is idempotent: the same messages give the same chunk ids; another config gives other ids", function () {
    const make = () => {
      nextId = 1;
      return Array.from({ length: 30 }, (_, i) =>
        msg(i * 7, i % 3 ? "Bob" : "Ann", `message ${i} about topic ${i % 4}, with details`),
      );
    };
    const a = chunkMessages(make());
    const b = chunkMessages(make());
    expect(a.map((c) => c.id)).to.deep.equal(b.map((c) => c.id));
    expect(a.map((c) => c.id)).to.not.deep.equal(chunkMessages(make(), { gapMinutes: 5 }).map((c) => c.id));
  });

  it("streams from an async iterable with the same result", async function () {
    const make = () => {
      nextId = 1;
      return Array.from({ length: 25 }, (_, i) => msg(i * 11, "Ann", `streamed message ${i} with a few words`));
    };
    async function* source() {
      for (const m of make()) yield m;
    }
    const streamed = [];
    for await (const c of chunkMessageStream(source())) streamed.push(c);
    expect(streamed).to.deep.equal(chunkMessages(make()));
  });

  it("covers every text message and keeps chunks ordered and within bounds (property)", function () {
    const arb = fc.array(
      fc.record({
        conv: fc.constantFrom("a", "b"),
        gap: fc.integer({ min: 0, max: 90 }),
        text: fc.oneof(fc.constantFrom("ok", "lol", "yes", ""), fc.lorem({ maxCount: 40 })),
        kind: fc.constantFrom("text", "text", "text", "system", "media"),
      }),
      { maxLength: 80 },
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const sorted = [...rows].sort((x, y) => x.conv.localeCompare(y.conv));
        let minute = 0;
        const messages = sorted.map((r, i) => {
          minute += r.gap;
          return {
            id: i,
            conversationId: r.conv,
            authorName: "A",
            text: r.text,
            timestamp: new Date(t0 + minute * 60_000),
            kind: r.kind,
          };
        });
        const chunks = chunkMessages(messages, { maxChars: 200 });
        const expected = messages.filter((m) => m.kind !== "system" && m.text.trim() !== "").map((m) => m.id);
        expect([...new Set(chunks.flatMap((c) => c.messageIds))].sort((x, y) => Number(x) - Number(y))).to.deep.equal(
          expected,
        );
        for (const c of chunks) {
          expect(c.text.length).to.be.at.most(200 * 1.25 + 60);
          expect(c.startTs.getTime()).to.be.at.most(c.endTs.getTime());
          const ids = c.messageIds.map(Number);
          expect(ids).to.deep.equal([...ids].sort((x, y) => x - y));
        }
      }),
    );
  });
});
