import { expect } from "chai";
import { codeStep, generateCode } from "../../../services/auth/totp.ts";

describe("auth TOTP", () => {
  it("TOTP codes are valid for their step and one step either side", () => {
    const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const now = 1_700_000_000_000;
    const code = generateCode(secret, now);
    expect(codeStep(secret, code, now)).to.equal(Math.floor(now / 30_000));
    expect(codeStep(secret, code, now + 30_000)).to.equal(Math.floor(now / 30_000));
    expect(codeStep(secret, code, now + 120_000)).to.equal(undefined);
    expect(codeStep(secret, "12345", now)).to.equal(undefined);
  });
});
