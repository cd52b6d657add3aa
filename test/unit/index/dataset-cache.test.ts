import { expect } from "chai";
import { DatasetCache } from "../../../services/index/dataset-cache.ts";

const row = (id: string, pinnedVersion: string | null = null) => ({ id, modelId: "use-lite", pinnedVersion });

describe("index/DatasetCache", () => {
  let now = 0;
  const cache = (ttlMs = 5_000, maxEntries = 100) => new DatasetCache({ ttlMs, maxEntries, now: () => now });
  beforeEach(() => (now = 1_000));

  it("answers remembered rows of the org until the TTL passes, then asks again", () => {
    const c = cache();
    c.remember("org-a", [row("d1"), row("d2", "3")]);
    expect(c.lookup("org-a", ["d1", "d2", "d3"])).to.deep.equal({
      found: [row("d1"), row("d2", "3")],
      missing: ["d3"],
    });
    now += 4_999;
    expect(c.lookup("org-a", ["d1"]).missing).to.deep.equal([]);
    now += 1;
    expect(c.lookup("org-a", ["d1", "d2"])).to.deep.equal({ found: [], missing: ["d1", "d2"] });
  });

  it("never answers one org's row to another org", () => {
    const c = cache();
    c.remember("org-a", [row("d1")]);
    expect(c.lookup("org-b", ["d1"])).to.deep.equal({ found: [], missing: ["d1"] });
  });

  it("forgets a dataset at once, whichever org cached it", () => {
    const c = cache();
    c.remember("org-a", [row("d1"), row("d2")]);
    c.forget("d1");
    expect(c.lookup("org-a", ["d1", "d2"])).to.deep.equal({ found: [row("d2")], missing: ["d1"] });
  });

  it("keeps at most maxEntries rows, dropping the oldest", () => {
    const c = cache(5_000, 2);
    c.remember("org-a", [row("d1"), row("d2")]);
    c.remember("org-a", [row("d3")]);
    expect(c.lookup("org-a", ["d1", "d2", "d3"]).missing).to.deep.equal(["d1"]);
  });

  it("with a TTL of 0 remembers nothing", () => {
    const c = cache(0);
    c.remember("org-a", [row("d1")]);
    expect(c.lookup("org-a", ["d1"]).missing).to.deep.equal(["d1"]);
  });
});
