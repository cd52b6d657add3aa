import { expect } from "chai";
import { analyzer } from "../../../../services/index/keyword/analyzer.ts";
import { KeywordIndex, type IndexedMessage } from "../../../../services/index/keyword/bm25-index.ts";
import { parseKeywordQuery } from "../../../../services/index/keyword/query.ts";

const en = analyzer("en");

/** An index over conversations given as lists of texts, messages a minute apart. */
function indexOf(conversations: string[][], params = { k1: 1.2, b: 0.75 }, windowSize = 40) {
  const messages: IndexedMessage[] = [];
  const texts: string[] = [];
  conversations.forEach((c, ci) =>
    c.forEach((text, i) => {
      messages.push({ id: messages.length, conversation: ci, participant: ci % 2, ts: i * 60_000, kind: 0 });
      texts.push(text);
    }),
  );
  const index = new KeywordIndex(en, messages, texts, params, windowSize, 30 * 60_000);
  const search = (q: string, opts: { accept?: (m: number) => boolean; limit?: number } = {}) =>
    index
      .search(parseKeywordQuery(q, en), { limit: opts.limit ?? 10, accept: opts.accept })
      .map((h) => texts[h.messageIndex]);
  return { index, texts, search };
}

describe("index: BM25 keyword index", () => {
  const corpus = [
    ["my wifi keeps dropping", "after I suspend the laptop", "try sudo rfkill unblock wifi"],
    ["how do I edit /etc/rc.local", "put the command before exit 0"],
    ["is rc.local still run at boot?", "yes, on upstart systems too"],
    ["the wifi is fine here", "ok"],
    ["grub menu.lst has two kernels", "edit /boot/grub/menu.lst and set default"],
  ];

  it("matches any query word: words spread over several messages are found through a window", () => {
    const { search } = indexOf(corpus);
    const hits = search("wifi dropping after suspend");
    expect(hits[0]).to.equal("my wifi keeps dropping");
    expect(hits).to.include("the wifi is fine here");
  });

  it("ranks documents with more and rarer terms first", () => {
    const { search } = indexOf(corpus);
    expect(search("rfkill wifi")[0]).to.equal("try sudo rfkill unblock wifi");
  });

  it('finds "rc.local" and "/etc/rc.local" in the same messages', () => {
    const { search } = indexOf(corpus);
    const a = search("rc.local");
    const b = search("/etc/rc.local");
    expect(a).to.include.members(["how do I edit /etc/rc.local", "is rc.local still run at boot?"]);
    expect(b).to.include.members(["how do I edit /etc/rc.local", "is rc.local still run at boot?"]);
    expect(search("menu.lst")).to.include.members([
      "grub menu.lst has two kernels",
      "edit /boot/grub/menu.lst and set default",
    ]);
  });

  it("honours phrases and exclusions", () => {
    const { search } = indexOf(corpus);
    expect(search('"wifi keeps"')).to.deep.equal(["my wifi keeps dropping"]);
    expect(search("wifi -rfkill")).to.not.include("try sudo rfkill unblock wifi");
    expect(search("-wifi")).to.deep.equal([]);
  });

  it("returns each message once, and filters by message", () => {
    const { search, texts } = indexOf(corpus);
    const hits = search("wifi", { limit: 50 });
    expect(new Set(hits).size).to.equal(hits.length);
    const onlyFirst = search("wifi", { accept: (m) => m < 3 });
    expect(onlyFirst.every((t) => texts.indexOf(t!) < 3)).to.equal(true);
  });

  it("gives nothing for a query of stop words or unknown words", () => {
    const { search } = indexOf(corpus);
    expect(search("the and of")).to.deep.equal([]);
    expect(search("xqzvbnm")).to.deep.equal([]);
  });

  it("k1 and b change the ranking as documented (b = 0: no length normalisation)", () => {
    const docs = [["wifi"], ["wifi wifi and a great many other words about nothing in particular at all"]];
    const normalised = indexOf(docs, { k1: 1.2, b: 1 });
    const flat = indexOf(docs, { k1: 1.2, b: 0 });
    expect(normalised.search("wifi")[0]).to.equal("wifi");
    expect(flat.search("wifi")[0]).to.not.equal("wifi");
  });
});
