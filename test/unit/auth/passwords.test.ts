import { expect } from "chai";
import { hashPassword, verifyPassword } from "../../../services/auth/passwords.ts";

describe("auth passwords", () => {
  it("argon2id hashes verify, and a wrong password does not", async () => {
    const hash = await hashPassword("a long password", { memoryCost: 1024, timeCost: 1 });
    expect(hash).to.match(/^\$argon2id\$/);
    expect(await verifyPassword(hash, "a long password")).to.be.true;
    expect(await verifyPassword(hash, "another")).to.be.false;
    expect(await verifyPassword("garbage", "x")).to.be.false;
  });
});
