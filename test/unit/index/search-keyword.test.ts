import { expect } from "chai";
import { analyzer } from "../../../services/index/keyword/analyzer.ts";
import { parseKeywordQuery } from "../../../services/index/keyword/query.ts";
import { isContentless, matchRanges, pickMessage } from "../../../services/index/search-keyword.ts";

const en = analyzer("en");

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
