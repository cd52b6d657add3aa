import { expect } from "chai";
import sinon from "sinon";
import { GateClosedError, NativeCallGate } from "../../../services/embedder/native-gate.ts";

describe("NativeCallGate (exit waits for a native call to come back)", function () {
  it("closes at once when no call is inside, and then refuses new calls", async () => {
    const gate = NativeCallGate.create();
    expect(await gate.run(async () => 42)).to.equal(42);
    expect(gate.closeSync(1000)).to.equal(true);
    expect(gate.closed).to.equal(true);
    let ran = false;
    const refused = await gate
      .run(async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(GateClosedError);
    expect(ran).to.equal(false);
  });

  it("close() resolves only after the call inside has left", async () => {
    // close() polls on a timer: fake timers (setTimeout and performance.now) stand for the minutes.
    const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const gate = NativeCallGate.create();
      let release!: () => void;
      const inside = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
      let closed = false;
      const closing = gate.close(600_000).then((ok) => (closed = ok));
      // The call is still inside: five minutes of polls later the gate is not closed yet.
      await clock.tickAsync(300_000);
      expect(closed).to.equal(false);
      expect(gate.closed).to.equal(false);
      release();
      await inside;
      await clock.tickAsync(10);
      await closing;
      expect(closed).to.equal(true);
      expect(gate.closed).to.equal(true);
    } finally {
      clock.restore();
    }
  });

  it("close() gives up after its time limit while a call stays inside, leaving the gate open", async () => {
    const clock = sinon.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    try {
      const gate = NativeCallGate.create();
      let release!: () => void;
      const inside = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
      let result: boolean | undefined;
      const closing = gate.close(1000).then((ok) => (result = ok));
      await clock.tickAsync(990);
      expect(result).to.equal(undefined);
      await clock.tickAsync(20);
      await closing;
      expect(result).to.equal(false);
      expect(gate.closed).to.equal(false);
      release();
      await inside;
      expect(await gate.run(async () => "still open")).to.equal("still open");
    } finally {
      clock.restore();
    }
  });

  it("closeSync() gives up after its time limit while a call stays inside, leaving the gate open", async () => {
    const gate = NativeCallGate.create();
    let release!: () => void;
    const inside = gate.run(() => new Promise<void>((resolve) => (release = resolve)));
    expect(gate.closeSync(1)).to.equal(false);
    expect(gate.closed).to.equal(false);
    release();
    await inside;
    expect(gate.closeSync(1000)).to.equal(true);
  });

  it("shares its state across threads through the SharedArrayBuffer", () => {
    const gate = NativeCallGate.create();
    const other = new NativeCallGate(gate.state);
    expect(gate.state.buffer).to.be.instanceOf(SharedArrayBuffer);
    gate.closeSync(1000);
    expect(other.closed).to.equal(true);
  });
});
