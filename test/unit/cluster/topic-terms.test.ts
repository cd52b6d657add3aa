import { expect } from "chai";
import { topicTerms, withoutPlaceholders } from "../../../services/cluster/topic-terms.ts";

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
