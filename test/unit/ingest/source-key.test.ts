import { expect } from "chai";
import fc from "fast-check";
import { hash64, SourceKeyer } from "../../../services/ingest/source-key.ts";

// Source keys are what a re-import matches messages by: these values are pinned (changing them
// duplicates every message of every re-imported export).
describe("ingest source keys (pinned)", () => {
  it("hash64 is unchanged", () => {
    expect(hash64()).to.equal("5db4a50174d75344");
    expect(hash64("")).to.equal("48d7230b982abb30");
    expect(hash64("1546329600000", "whatsapp:name:Tom", "hello\nworld")).to.equal("35902b1e2dddc755");
    expect(hash64("1546329600000", "", "Grüße 🎉\u0000IMG-1.jpg")).to.equal("a46aef994a3ce1d2");
  });

  it("source keys hash instant, author and content exactly as hash64 does", () => {
    const attachment = fc.record({
      name: fc.option(fc.string(), { nil: undefined }),
      url: fc.option(fc.string(), { nil: undefined }),
    });
    const timestamp = fc.oneof(
      fc.integer({ min: -1e13, max: 1e13 }),
      fc.maxSafeInteger(),
      fc.double(),
      fc.constantFrom(0, -0, 7, 99_999_999, 1e8, 1e8 + 1, -1e8, 10 ** 15, Number.MAX_SAFE_INTEGER, 2 ** 60, -1e21),
    );
    fc.assert(
      fc.property(
        timestamp,
        fc.option(fc.string(), { nil: undefined }),
        fc.string(),
        fc.array(attachment, { maxLength: 3 }),
        (ts, author, text, attachments) => {
          const content =
            attachments.length === 0
              ? text
              : `${text}\u0000${attachments.map((a) => a.name ?? a.url ?? "").join("\u0000")}`;
          const key = new SourceKeyer().key("c", undefined, ts, author, text, attachments);
          expect(key).to.equal(`c~${hash64(String(ts), author ?? "", content)}`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("numbers identical messages per conversation and instant", () => {
    const keyer = new SourceKeyer();
    const key = (conversation: string, ts: number, text: string) =>
      keyer.key(conversation, undefined, ts, "p", text, []);
    const ok = hash64("1000", "p", "ok");
    const hi = hash64("1000", "p", "hi");
    const keys = [
      key("a", 1000, "ok"),
      key("a", 1000, "hi"),
      key("b", 1000, "ok"),
      key("a", 1000, "ok"),
      key("a", 1000, "hi"),
      key("b", 1000, "ok"),
      key("a", 1000, "hi"),
    ];
    expect(keys).to.deep.equal([`a~${ok}`, `a~${hi}`, `b~${ok}`, `a~${ok}.1`, `a~${hi}.1`, `b~${ok}.1`, `a~${hi}.2`]);
    // A new instant starts the count again; an instant seen before is not remembered (bounded memory).
    expect([key("a", 2000, "ok"), key("a", 1000, "ok"), key("a", 1000, "ok")]).to.deep.equal([
      `a~${hash64("2000", "p", "ok")}`,
      `a~${ok}`,
      `a~${ok}.1`,
    ]);
    expect(keyer.key("a", "42", 1000, "p", "ok", [])).to.equal("a#42");
  });
});
