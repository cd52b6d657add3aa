import { expect } from "chai";
import { OrgSlots } from "../../../core/org-slots.ts";

/** Issue 15 M6: per-org slots behind the quotas on concurrent searches and on uploads being received. */
describe("per-org slots", () => {
  it("gives an org at most its limit, counts work held elsewhere, and frees a slot once per release", () => {
    const slots = new OrgSlots();
    const a1 = slots.take("A", 2);
    const a2 = slots.take("A", 2);
    expect(a1).to.be.a("function");
    expect(a2).to.be.a("function");
    expect(slots.take("A", 2)).to.equal(undefined);
    // Another org is not affected by A's use.
    expect(slots.take("B", 2)).to.be.a("function");
    a1!();
    a1!();
    expect(slots.count("A")).to.equal(1);
    // One slot in use here and one job queued elsewhere: at a limit of 2, nothing more.
    expect(slots.take("A", 2, 1)).to.equal(undefined);
    expect(slots.take("A", 3, 1)).to.be.a("function");
    a2!();
    expect(slots.count("A")).to.equal(1);
    expect(slots.count("Z")).to.equal(0);
  });
});
