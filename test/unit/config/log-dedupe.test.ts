import { expect } from "chai";
import sinon from "sinon";
import { lineKey, RepeatFilter } from "../../../config/log-dedupe.ts";

// Outage logging (issue 19): a 30 s Redis outage wrote 263 ERROR stack traces. Identical lines are
// written once per interval with a count. Fake timers drive the interval.
describe("repeated log lines are collapsed (config/log-dedupe.ts)", () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
  });
  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  it("writes the first of identical errors, counts the rest, and summarises them when the interval ends", () => {
    const summaries: [string, number][] = [];
    const filter = new RepeatFilter({
      intervalMs: 30_000,
      onRepeated: (s, n) => summaries.push([String(s.args[0]), n]),
    });
    const written: number[] = [];
    for (let i = 0; i < 263; i++) {
      const err = new Error("connect ECONNREFUSED 127.0.0.1:6379");
      if (filter.admit("error", lineKey("error", "cacher", [err]), [err])) written.push(i);
      clock.tick(100); // 263 errors over 26.3 s
    }
    expect(written).to.deep.equal([0]);
    expect(summaries).to.deep.equal([]);
    clock.tick(30_000 - 26_300);
    expect(summaries).to.deep.equal([["Error: connect ECONNREFUSED 127.0.0.1:6379", 262]]);
    // The next one after the interval is written again and opens a new interval.
    const again = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    expect(filter.admit("error", lineKey("error", "cacher", [again]), [again])).to.equal(true);
  });

  it("keeps different messages, modules and levels apart, and never holds back info lines", () => {
    const filter = new RepeatFilter({ intervalMs: 30_000, onRepeated: () => undefined });
    const admit = (type: string, mod: string, msg: string) => filter.admit(type, lineKey(type, mod, [msg]), [msg]);
    expect(admit("error", "cacher", "down")).to.equal(true);
    expect(admit("error", "cacher", "down")).to.equal(false);
    expect(admit("error", "cacher", "other")).to.equal(true);
    expect(admit("error", "index", "down")).to.equal(true);
    expect(admit("warn", "cacher", "down")).to.equal(true);
    expect(admit("info", "cacher", "down")).to.equal(true);
    expect(admit("info", "cacher", "down")).to.equal(true);
  });

  it("an error's identity is its name, message and code, not its stack", () => {
    const a = Object.assign(new Error("boom"), { code: "E1" });
    const b = Object.assign(new Error("boom"), { code: "E1" });
    b.stack = "somewhere else";
    expect(lineKey("error", "m", [a])).to.equal(lineKey("error", "m", [b]));
    expect(lineKey("error", "m", [a])).to.not.equal(
      lineKey("error", "m", [Object.assign(new Error("boom"), { code: "E2" })]),
    );
  });
});
