import { expect } from "chai";
import { cutAtGrapheme, preview, wellFormed } from "../../../../lib/text/text-cut.ts";

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
