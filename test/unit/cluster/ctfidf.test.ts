import { expect } from "chai";
import { classTfidf, labelFromTerms } from "../../../services/cluster/ctfidf.ts";
import { detectLanguages, stopWordSet, SUPPORTED_LANGUAGES } from "../../../lib/text/stopwords.ts";
import { terms, words } from "../../../lib/text/tokenize.ts";

describe("cluster: c-TF-IDF, stop words and terms", () => {
  it("computes BERTopic's c-TF-IDF on a tiny example", () => {
    // Class 0: a a b (3 terms); class 1: b c c c (4 terms). A = 3.5; f(a)=2, f(b)=2, f(c)=3.
    const [c0, c1] = classTfidf([
      new Map([
        ["a", 2],
        ["b", 1],
      ]),
      new Map([
        ["b", 1],
        ["c", 3],
      ]),
    ]);
    expect(c0.map((t) => t.term)).to.deep.equal(["a", "b"]);
    expect(c0[0].score).to.be.closeTo((2 / 3) * Math.log(1 + 3.5 / 2), 1e-12);
    expect(c0[1].score).to.be.closeTo((1 / 3) * Math.log(1 + 3.5 / 2), 1e-12);
    expect(c1.map((t) => t.term)).to.deep.equal(["c", "b"]);
    expect(c1[0].score).to.be.closeTo((3 / 4) * Math.log(1 + 3.5 / 3), 1e-12);
    expect(c1[1].score).to.be.closeTo((1 / 4) * Math.log(1 + 3.5 / 2), 1e-12);
  });

  it("ranks a term spread over every class below one concentrated in a class", () => {
    const [c0] = classTfidf([
      new Map([
        ["common", 5],
        ["pizza", 5],
      ]),
      new Map([
        ["common", 5],
        ["chess", 5],
      ]),
      new Map([
        ["common", 5],
        ["golf", 5],
      ]),
    ]);
    expect(c0[0].term).to.equal("pizza");
    expect(c0[1].score).to.be.lessThan(c0[0].score);
  });

  it("drops terms rarer than minCount and keeps only the top terms", () => {
    const [c0] = classTfidf(
      [
        new Map([
          ["once", 1],
          ["twice", 2],
          ["thrice", 3],
        ]),
      ],
      { minCount: 2, top: 1 },
    );
    expect(c0.map((t) => t.term)).to.deep.equal(["thrice"]);
  });

  it("has stop-word lists for en, es, de, fr, pt, it, nl and ru", () => {
    expect(SUPPORTED_LANGUAGES).to.include.members(["en", "es", "de", "fr", "pt", "it", "nl", "ru"]);
    const all = stopWordSet(SUPPORTED_LANGUAGES);
    for (const word of ["the", "pero", "und", "avec", "não", "della", "niet", "что"])
      expect(all.has(word), word).to.equal(true);
  });

  it("removes stop words and chat filler, keeps topic words, forms bigrams of adjacent kept words", () => {
    const stop = stopWordSet(["en"]);
    expect(terms("LOL the sourdough bread is in the oven, ok?", stop)).to.deep.equal([
      "sourdough",
      "bread",
      "sourdough bread",
      "oven",
    ]);
    expect(terms("Check https://example.com/bread and @ana", stop)).to.deep.equal(["check"]);
  });

  it("splits words on digits and punctuation and keeps inner apostrophes", () => {
    expect(words("Don’t bake at 220°C!")).to.deep.equal(["don't", "bake", "at", null, "c", null]);
  });

  it("detects the languages of the text from stop-word frequency", () => {
    const english = words("the cat and the dog are in the garden with the kids").filter((w) => w !== null);
    const spanish = words("el perro y el gato están en el jardín con los niños").filter((w) => w !== null);
    expect(detectLanguages(english)).to.deep.equal(["en"]);
    expect(detectLanguages(spanish)).to.include("es").and.not.include("en");
    expect(detectLanguages([...english, ...spanish])).to.include.members(["en", "es"]);
    expect(detectLanguages([])).to.deep.equal(["en"]);
  });

  it("labels a topic with its top terms, skipping words a bigram already shows", () => {
    const label = labelFromTerms([
      { term: "sourdough bread", score: 3 },
      { term: "sourdough", score: 2 },
      { term: "oven", score: 1.5 },
      { term: "bread", score: 1 },
      { term: "flour", score: 0.5 },
    ]);
    expect(label).to.equal("sourdough bread, oven, flour");
  });
});
