import { expect } from "chai";
import { analyzer, detectLanguage } from "../../../services/index/keyword/analyzer.ts";
import { KeywordIndex, type IndexedMessage } from "../../../services/index/keyword/bm25-index.ts";
import { parseKeywordQuery } from "../../../services/index/keyword/query.ts";
import { isContentless, matchRanges, pickMessage } from "../../../services/index/search-keyword.ts";

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

describe("index: keyword analyzer", () => {
  it("indexes paths, dotted names and URLs whole and by their parts", () => {
    expect(en.terms("put it in /etc/rc.local please")).to.include.members([
      "/etc/rc.local",
      "rc.local",
      "etc",
      "rc",
      "local",
    ]);
    expect(en.terms("edit rc.local.")).to.include("rc.local");
    expect(en.terms("see <https://github.com/perrygeo/simanneal>")).to.include.members([
      "https://github.com/perrygeo/simanneal",
      "github.com",
      "perrygeo",
    ]);
    expect(en.terms("mail bob.smith@example.com")).to.include.members(["bob.smith@example.com", "example.com", "bob"]);
    expect(en.terms("@person #Budget")).to.include.members(["@person", "person", "#budget", "budget"]);
    expect(en.terms("linux 2.6.20-rc4 and 18,500 euros")).to.include.members([
      "2.6.20-rc4",
      "rc4",
      "18,500",
      "500",
      "euro",
    ]);
  });

  it("stems words and drops stop words in the dataset's language", () => {
    expect(en.terms("my wifi keeps dropping after suspend!")).to.deep.equal(["wifi", "keep", "drop", "suspend"]);
    expect(en.terms("How did you go?")).to.deep.equal(["go"]);
    expect(analyzer("es").terms("las conexiones")).to.deep.equal(["conexion"]);
  });

  it("detects the language from its stop words, English when unsure", () => {
    expect(detectLanguage(["hola que tal, como estas? yo estoy bien y tu", "la casa es muy grande"])).to.equal("es");
    expect(detectLanguage(["the cat is on the mat"])).to.equal("en");
    expect(detectLanguage(["xqzvbnm 12345"])).to.equal("en");
  });
});

describe("index: keyword query syntax", () => {
  it("parses quoted phrases, OR and minus", () => {
    const q = parseKeywordQuery('"night train" OR bus -"sleeper car" -ticket', en);
    expect(q.phrases).to.deep.equal([["night", "train"]]);
    expect(q.terms).to.have.members(["night", "train", "bus"]);
    expect(q.excluded).to.have.members(["sleeper", "car", "ticket"]);
  });
});

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

describe("index: message choice, contentless messages and highlights", () => {
  it("knows messages that say nothing", () => {
    for (const t of [".", "ok", "http://paste.ubuntu.com/123", "<Media omitted>", "lol :)", "HELLOOO?"])
      expect(isContentless(t, en), t).to.equal(t !== "HELLOOO?");
    expect(isContentless("alsamixer shows the master muted", en)).to.equal(false);
  });

  it("picks the message sharing the query's words, else the first that says something", () => {
    const texts = [".", "The worktop arrived but it is two centimetres too short", "ok", "Send photos to the supplier"];
    const text = (i: number) => texts[i]!;
    expect(pickMessage([0, 1, 2, 3], (i) => (i === 3 ? 1.5 : 0), text, en)).to.equal(3);
    expect(pickMessage([0, 1, 2, 3], () => 0, text, en)).to.equal(1);
  });

  it("highlights the query's words, never its stop words, a path whole", () => {
    const text = "How did you go about editing /etc/rc.local?";
    const marked = (q: string) =>
      matchRanges(text, parseKeywordQuery(q, en), en).map((r) => text.slice(r.start, r.end));
    expect(marked("how did you go")).to.deep.equal(["go"]);
    expect(marked("rc.local edit")).to.deep.equal(["editing", "/etc/rc.local"]);
  });
});
