import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { startNodeProcess, type NodeProcess } from "../../helpers/processes.ts";
import { outboxDirOf } from "../../helpers/accounts.ts";
import { INDEX_TEST_ENV } from "../index/helpers.ts";
import { createDataset, poll, signUpAt, topicExport, waitForImportEnd } from "../ops/helpers.ts";
import { freePort } from "../../helpers/servers.ts";

/**
 * `npm start` (bin/chatlens.ts, embedded) stopped with SIGTERM or SIGINT while it embeds a chat,
 * several times at different moments: each stop must end the process with code 0 and no native
 * crash (it used to end in a Napi::Error in 2 of 4 stops: moleculer's own signal handler exited
 * the process while ours was still ending the embedder's worker threads), and every restart
 * continues the work.
 */
describe("faults: SIGTERM/SIGINT while embedding", function () {
  this.timeout(900_000);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-stop-embed-"));
  let port: number;
  let node: NodeProcess | undefined;

  const start = async () => {
    node = await startNodeProcess(
      "bin/chatlens.ts",
      {
        ...INDEX_TEST_ENV,
        NODE_ENV: "test",
        TRANSPORTER: "none",
        CACHER: "memory",
        DATA_DIR: dataDir,
        PORT: String(port),
        METRICS_ENABLED: "false",
        CHATLENS_SKIP_UI_BUILD: "1",
        // Small batches: many stop points while a batch is inside onnxruntime.
        EMBED_BATCH_CHUNKS: "4",
      },
      /chatlens is listening/,
      120_000,
    );
    return `http://127.0.0.1:${port}`;
  };

  const stop = async (signal: NodeJS.Signals) => {
    const child = node!.child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once("exit", (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    const end = await exited;
    const output = node!.output();
    node = undefined;
    return { ...end, output };
  };

  before(async () => {
    port = await freePort();
  });
  after(async () => {
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops cleanly at every stop (exit code 0, no native crash), and starts again on the same data", async () => {
    let base = await start();
    const owner = await signUpAt(base, outboxDirOf({ dataDir }));
    const signals: NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGTERM"];
    for (const [i, signal] of signals.entries()) {
      // A chat of its own each time: embedding starts right after its import (the embedded queue
      // does not outlive the process; a restart resumes older work only through the stall sweep).
      const datasetId = await createDataset(base, owner.accessToken, `chat ${i + 1}`);
      const res = await fetch(
        `${base}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
        {
          method: "PUT",
          body: topicExport(1500),
          headers: { authorization: `Bearer ${owner.accessToken}`, "content-type": "application/octet-stream" },
        },
      );
      const importId = ((await res.json()) as { id: string }).id;
      expect((await waitForImportEnd(base, owner.accessToken, importId)).status).to.equal("completed");
      const status = async () =>
        (await http(base, "GET", `/api/datasets/${datasetId}/index`, { token: owner.accessToken })).body;
      // Stopped once vectors are arriving and more are still to come: batches are inside onnxruntime.
      await poll(
        "embedding under way",
        180_000,
        async () => {
          const s = await status();
          return (s.index?.count ?? 0) > 0 && s.pendingChunks > 0;
        },
        50,
      );
      const end = await stop(signal);
      const crash = end.output
        .split("\n")
        .filter((l) =>
          /Napi::Error|terminate called|Segmentation fault|core dumped|FATAL ERROR|Unable to stop all services/.test(l),
        );
      const tail = end.output.split("\n").slice(-40).join("\n");
      expect(crash, `stop ${i + 1} (${signal}):\n${tail}`).to.deep.equal([]);
      expect({ code: end.code, signal: end.signal }, `stop ${i + 1} (${signal}):\n${tail}`).to.deep.equal({
        code: 0,
        signal: null,
      });
      base = await start();
    }
    expect((await http(base, "GET", "/api/health")).status).to.equal(200);
  });
});
