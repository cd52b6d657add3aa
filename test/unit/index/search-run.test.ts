import { expect } from "chai";
import { OrgSlots } from "../../../core/org-slots.ts";
import type { CallMeta } from "../../../core/permissions.ts";
import type { IndexDeps } from "../../../services/index/deps.ts";
import { withSearchSlot } from "../../../services/index/search-run.ts";

const ORG = "00000000-0000-4000-8000-000000000001";
const meta: CallMeta = { auth: { kind: "user", userId: "u", orgId: ORG, role: "owner", permissions: ["search.run"] } };

describe("index/search-run: per-org search slots", () => {
  it("past SEARCH_MAX_CONCURRENT_PER_ORG a search is refused at once (429), and a slot is freed when a search ends, failed or not", async () => {
    const deps = { config: { SEARCH_MAX_CONCURRENT_PER_ORG: 1 }, searchSlots: new OrgSlots() } as unknown as IndexDeps;
    let finish!: () => void;
    const running = withSearchSlot(deps, { meta }, () => new Promise<string>((r) => (finish = () => r("first"))));
    await withSearchSlot(deps, { meta }, async () => "second").then(
      () => expect.fail("a second search of the org should have been refused"),
      (err: { code?: number; type?: string; data?: unknown }) => {
        expect(err).to.include({ code: 429, type: "QUOTA_EXCEEDED" });
        expect(err.data).to.deep.equal({ limit: 1 });
      },
    );
    finish();
    expect(await running).to.equal("first");
    await withSearchSlot(deps, { meta }, async () => {
      throw new Error("boom");
    }).catch(() => undefined);
    expect(deps.searchSlots.count(ORG)).to.equal(0);
    expect(await withSearchSlot(deps, { meta }, async () => "third")).to.equal("third");
  });
});
