import { expect } from "chai";
import { canonicalLocale, isHttpUrl, isTimeZone } from "../../../services/auth/accounts.ts";

describe("auth accounts: profile validators", () => {
  it("profile validators: IANA zones, BCP-47 tags, http(s) URLs", () => {
    expect(isTimeZone("Europe/Berlin")).to.be.true;
    expect(isTimeZone("Mars/Base")).to.be.false;
    expect(canonicalLocale("en-gb")).to.equal("en-GB");
    expect(canonicalLocale("not a tag")).to.equal(undefined);
    expect(isHttpUrl("https://example.test/a.png")).to.be.true;
    expect(isHttpUrl("javascript:alert(1)")).to.be.false;
  });
});
