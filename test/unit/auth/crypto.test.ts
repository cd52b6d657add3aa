import { expect } from "chai";
import { decrypt, encrypt } from "../../../services/auth/crypto.ts";

describe("auth crypto", () => {
  it("AES-256-GCM round-trips and detects tampering or a wrong key", () => {
    const sealed = encrypt("JBSWY3DPEHPK3PXP", "k".repeat(32));
    expect(decrypt(sealed, "k".repeat(32))).to.equal("JBSWY3DPEHPK3PXP");
    expect(() => decrypt(sealed, "x".repeat(32))).to.throw();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => decrypt(parts.join("."), "k".repeat(32))).to.throw();
  });
});
