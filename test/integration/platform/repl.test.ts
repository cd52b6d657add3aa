import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { hasTmux, TmuxSession } from "../../helpers/tmux.ts";

describe("operator REPL (npm run repl)", function () {
  this.timeout(180_000);
  let session: TmuxSession | undefined;

  before(function () {
    if (!hasTmux()) {
      if (process.env.CI === "true") throw new Error("CI=true and tmux is missing");
      console.log("      [skipped: tmux is not installed]");
      this.skip();
    }
  });
  after(() => session?.kill());

  it("starts the embedded platform and answers operator commands", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-repl-"));
    session = TmuxSession.start(
      `chatlens-repl-${process.pid}`,
      `env PORT=0 DATA_DIR=${dataDir} METRICS_ENABLED=false LOG_LEVEL=warn npm run repl`,
      REPO_ROOT,
    );
    await session.waitFor(/mol \$/);
    session.type("services");
    const screen = await session.waitFor(/api\s.*\n[\s\S]*╚|api\s+.*OK/);
    expect(screen).to.match(/\bapi\b/);
    session.type("call api.health");
    expect(await session.waitFor(/status: 'ok'/)).to.match(/uptimeS/);
    // Operator commands of the services are registered as REPL commands.
    session.type("user:create operator@example.com 'a long enough password'");
    expect(await session.waitFor(/"email": "operator@example.com"/)).to.match(/operator@example.com/);
  });
});
