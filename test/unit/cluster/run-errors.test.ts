import { expect } from "chai";
import { describeRunFailure } from "../../../services/cluster/run-errors.ts";

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
