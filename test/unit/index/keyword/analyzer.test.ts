import { expect } from "chai";
import { analyzer, detectLanguage } from "../../../../services/index/keyword/analyzer.ts";

const en = analyzer("en");

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
