import { expect } from "chai";
import { runNodeProcess } from "../../helpers/processes.ts";
import { convertedUseLite } from "../../unit/embedder/fixtures.ts";

/**
 * A process that dies (process.exit, an uncaught exception, an unhandled rejection) while a worker
 * thread is inside an addon's native call must end with its own exit code. It used to end in
 * "terminate called after throwing an instance of 'Napi::Error'" (code 134): Node terminates the
 * worker threads on exit, and the addon's next N-API call from that thread failed with a C++
 * exception nothing could catch — onnxruntime's session.run in the embedder's worker. (The FAISS
 * binding's completion of an add on a worker's loop can still abort at exit now and then: the
 * platform never calls FAISS from a worker thread, so that case is not tested here; issue 18 note.)
 */
describe("faults: the process ends while a worker thread is inside native code", function () {
  this.timeout(600_000);
  const CHILD = "test/integration/faults/exit-mid-native-call.child.ts";
  const expected = { exit: 7, throw: 1, reject: 1 } as const;

  for (const fault of ["exit", "throw", "reject"] as const) {
    it(`embedder (onnxruntime run): ${fault} ends the process with code ${expected[fault]}, no native crash`, async () => {
      const model = await convertedUseLite();
      const { code, output } = await runNodeProcess(
        CHILD,
        { WORK: "embedder", FAULT: fault, MODEL_DIR: model.path },
        300_000,
      );
      expect(output).to.include("FAULT");
      expect(output).not.to.match(/Napi::Error|terminate called/);
      expect(code, output).to.equal(expected[fault]);
    });
  }
});
