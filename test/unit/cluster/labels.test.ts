import { expect } from "chai";
import { describeRunFailure } from "../../../services/cluster/run-errors.ts";
import { cutAtGrapheme, preview, wellFormed } from "../../../lib/text/text-cut.ts";
import { topicTerms, withoutPlaceholders } from "../../../services/cluster/topic-terms.ts";

const hasLoneSurrogate = (s: string) =>
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("previews cut only between graphemes", () => {
  it("never splits a surrogate pair, a ZWJ family or a flag at the cut", () => {
    const family = "👨‍👩‍👧‍👦";
    for (let pad = 100; pad < 125; pad++) {
      const text = `${"a".repeat(pad)}${family}🇧🇷👍🏽 tail`;
      const cut = cutAtGrapheme(text, 120);
      expect(hasLoneSurrogate(cut), `pad ${pad}`).to.equal(false);
      expect(cut.length).to.be.at.most(120);
      // Whatever is kept of the emoji is kept whole.
      const rest = cut.slice(pad);
      expect(
        ["", family, `${family}🇧🇷`, `${family}🇧🇷👍🏽`, `${family}🇧🇷👍🏽 `].some((ok) => rest === ok || rest.startsWith(ok)),
        rest,
      ).to.equal(true);
      expect(JSON.parse(JSON.stringify(cut))).to.equal(cut);
    }
  });

  it("repairs lone surrogates already in the text and marks a cut with an ellipsis", () => {
    expect(wellFormed("ok \uD83D end")).to.equal("ok \uFFFD end");
    expect(wellFormed("\uDE00x")).to.equal("\uFFFDx");
    expect(wellFormed("😀")).to.equal("😀");
    const p = preview(`hello\n\n  world ${"😀".repeat(100)}`, 20);
    expect(p.startsWith("hello world ")).to.equal(true);
    expect(p.endsWith("…")).to.equal(true);
    expect(hasLoneSurrogate(p)).to.equal(false);
    expect(preview("short", 20)).to.equal("short");
  });
});

describe("topic labels are made of content words", () => {
  it("drops participants' names, mentions, URLs and export placeholders", async () => {
    const texts = [
      "@anna the sourdough bread is in the oven https://example.com/bread Anna said",
      "Anna: sourdough bread with more flour <Media omitted>",
      "Ben Okafor: image omitted sourdough starter and flour",
      "Ben: the football match went to penalties",
      "Anna: football match tonight, ben's phone is off",
      "This message was deleted football striker goal",
    ];
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const { terms } = await topicTerms(texts, labels, 2, { exclude: ["anna", "ben", "okafor"], minCount: 1, top: 20 });
    const all = terms.flat().map((t) => t.term);
    for (const banned of ["anna", "ben", "okafor", "media", "omitted", "image", "example", "https", "deleted", "ben's"])
      expect(
        all.some((t) => t.split(" ").includes(banned)),
        banned,
      ).to.equal(false);
    expect(terms[0]!.map((t) => t.term)).to.include("sourdough bread");
    expect(terms[1]!.map((t) => t.term)).to.include("football match");
  });

  it("removes the stop words of a cluster's own language in a chat written mostly in another", async () => {
    const english = Array.from(
      { length: 40 },
      (_, i) => `the football match was great and the striker scored ${i % 2 ? "again" : "twice"}`,
    );
    const spanish = Array.from(
      { length: 6 },
      (_, i) => `el partido de la final es para el domingo y no ${i % 2 ? "hay" : "tengo"} entradas`,
    );
    const labels = Int32Array.from([...english.map(() => 0), ...spanish.map(() => 1)]);
    const { languages, terms } = await topicTerms([...english, ...spanish], labels, 2, { minCount: 1 });
    expect(languages).to.include("en");
    const spanishTerms = terms[1]!.map((t) => t.term);
    for (const stop of ["el", "la", "de", "para", "no", "es", "y"]) expect(spanishTerms, stop).to.not.include(stop);
    expect(spanishTerms).to.include("partido");
  });

  it("removes WhatsApp placeholders in several languages", () => {
    expect(withoutPlaceholders("<Multimedia omitido> hola")).to.match(/^\s*\|\s+hola$/);
    expect(withoutPlaceholders("Medien ausgeschlossen")).to.not.match(/medien/i);
    expect(withoutPlaceholders("Missed video call")).to.not.match(/call/i);
  });
});

describe("run failures", () => {
  it("answer a short message and log no statement or message text", () => {
    const cause = Object.assign(new Error("invalid input syntax for type json"), { code: "22P02" });
    const err = Object.assign(
      new Error(`Failed query: insert into cluster_runs values ($1)\nparams: {"preview":"my secret message 🤫"}`),
      { cause },
    );
    const failure = describeRunFailure(err, "store", false);
    expect(failure.code).to.equal("RUN_FAILED");
    expect(failure.message.length).to.be.below(200);
    expect(failure.message).to.not.match(/secret|insert|select/i);
    expect(failure.detail).to.not.match(/secret|insert into|params/i);
    expect(failure.detail).to.include("22P02");
    const direct = describeRunFailure(
      new Error(`Failed query: select "text" from messages\nparams: secret`),
      "load",
      false,
    );
    expect(direct.detail).to.not.match(/secret|from messages/);
    expect(describeRunFailure(new Error("x"), "compute", true).code).to.equal("INTERRUPTED");
  });
});

describe("topic hierarchy", () => {
  it("puts each small topic under the nearest larger group and labels parents from their children", async () => {
    const { topicHierarchy } = await import("../../../services/cluster/hierarchy.ts");
    const unit = (v: number[]) => {
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    // Two themes: food (0, 1, 2) and sport (3, 4); topic 2 and 4 are small.
    const centroids = [
      unit([1, 0.1, 0]),
      unit([1, 0.2, 0.05]),
      unit([0.9, 0, 0.1]),
      unit([0, 1, 0.1]),
      unit([0.05, 1, 0]),
    ];
    const sizes = [300, 200, 12, 250, 9];
    const t = (...terms: string[]) => terms.map((term, i) => ({ term, score: 1 - i * 0.1 }));
    const terms = [t("bread", "oven"), t("pasta", "sauce"), t("cake"), t("football", "match"), t("tennis")];
    const h = topicHierarchy(centroids, sizes, terms, 2);
    expect(h.merges).to.have.length(4);
    expect(h.parents).to.have.length(2);
    expect(h.parents.map((p) => p.children)).to.deep.equal([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(h.parentOf).to.deep.equal([0, 0, 0, 1, 1]);
    expect(h.parents[0]!.size).to.equal(512);
    expect(h.parents[0]!.label).to.match(/bread/);
    expect(h.parents[1]!.label).to.match(/football/);
    // Merge distances never shrink on this data: the dendrogram reads bottom-up.
    expect(h.merges[3]!.distance).to.be.greaterThan(h.merges[0]!.distance);
  });
});
