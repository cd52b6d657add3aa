import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ConfigError, loadConfig } from "../../../config/index.ts";
import { committedSecretValues } from "../../../config/committed-secrets.ts";

/** L8: the development overlay's secrets are public; production must refuse them. */
describe("config: production refuses secrets written in the repository", () => {
  const repo = path.resolve(import.meta.dirname, "../../..");
  const cwd = () => mkdtempSync(path.join(os.tmpdir(), "chatlens-secrets-"));
  const fresh = "q".repeat(20) + "Z".repeat(20);

  it("finds the dev overlay's committed JWT secret", () => {
    const values = committedSecretValues(repo);
    expect([...values].some((v) => v.startsWith("dev-only-jwt-secret"))).to.equal(true);
  });

  it("refuses each committed value, naming the variable, and accepts fresh ones", () => {
    for (const committed of committedSecretValues(repo)) {
      let err: unknown;
      try {
        loadConfig(
          { NODE_ENV: "production", JWT_SECRET: committed, MFA_ENCRYPTION_KEY: fresh, OAUTH_SESSION_SECRET: fresh },
          { dotenv: false, cwd: cwd() },
        );
      } catch (e) {
        err = e;
      }
      expect(err, committed).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).problems.join("\n")).to.match(/^JWT_SECRET: this value is written in the repository/);
    }
    const ok = loadConfig(
      { NODE_ENV: "production", JWT_SECRET: fresh, MFA_ENCRYPTION_KEY: fresh, OAUTH_SESSION_SECRET: fresh },
      { dotenv: false, cwd: cwd() },
    );
    expect(ok.secrets.JWT_SECRET).to.equal(fresh);
  });

  it("outside production the same values still load (the dev overlay keeps working)", () => {
    const committed = [...committedSecretValues(repo)][0]!;
    const dev = loadConfig({ NODE_ENV: "development", JWT_SECRET: committed }, { dotenv: false, cwd: cwd() });
    expect(dev.secrets.JWT_SECRET).to.equal(committed);
  });
});
