import { expect } from "chai";
import { faissBinding } from "../../../services/index/faiss.ts";
import { runNodeProcess } from "../../helpers/processes.ts";
import { convertedUseLite } from "../../unit/embedder/fixtures.ts";

/**
 * A process that dies (process.exit, an uncaught exception, an unhandled rejection) while a worker
 * thread is inside an addon's native call must end with its own exit code. It used to end in
 * "terminate called after throwing an instance of 'Napi::Error'" (code 134): Node terminates the
 * worker threads on exit, and the addon's next N-API call from that thread failed with a C++
 * exception nothing could catch — onnxruntime's session.run in the embedder's worker, and the FAISS
 * binding's completion of an add on a worker's loop.
 */
describe("faults: the process ends while a worker thread is inside native code", function () {
  this.timeout(600_000);
  const CHILD = "test/integration/faults/exit-mid-native-call.child.ts";
  const expected = { exit: 7, throw: 1, reject: 1 } as const;

  for (const fault of ["exit", "throw", "reject"] as const) {
    it(`embedder (onnxruntime run): ${fault} ends the process with code ${expected[fault]}, no native crash`, async () => {
      const model = await convertedUseLite();
      const { code, output } = await runNodeProcess(CHILD, { WORK: "embedder", FAULT: fault, MODEL_DIR: model.path }, 300_000);
      expect(output).to.include("FAULT");
      expect(output).not.to.match(/Napi::Error|terminate called/);
      expect(code, output).to.equal(expected[fault]);
    });
  }

  it("FAISS binding (an add in flight on a worker thread): exit ends the process with code 7, no native crash", async function () {
    if (!faissBinding()) {
      this.test!.title += " (skipped: FAISS binding not built here)";
      this.skip();
    }
    const { code, output } = await runNodeProcess(CHILD, { WORK: "faiss", FAULT: "exit" }, 300_000);
    expect(output).to.include("FAULT");
    expect(output).not.to.match(/Napi::Error|terminate called/);
    expect(code, output).to.equal(7);
  });
});
