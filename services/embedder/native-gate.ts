/**
 * Keeps a dying process from ending a worker thread in the middle of a native call.
 *
 * When the process exits (process.exit, an uncaught exception or an unhandled rejection), Node
 * terminates every worker thread. A worker inside onnxruntime-node's session.run, or session
 * creation, comes back from the native code into a terminated JavaScript engine; the addon's
 * next N-API call fails, node-addon-api throws a C++ Napi::Error that nothing can catch any more,
 * and the process dies with "terminate called after throwing an instance of 'Napi::Error'"
 * (exit code 134 instead of the intended one, a core dump where those are on).
 *
 * The gate is one shared Int32Array: the number of native calls the worker is inside, or CLOSED.
 * The worker enters and leaves around each native call; the owning thread closes the gate before
 * the worker can be terminated, waiting (bounded) until no call is inside. Once closed, a call
 * that tries to enter fails with an ordinary error instead of starting.
 */
const CLOSED = -1;

export class GateClosedError extends Error {
  constructor() {
    super("the model runtime is shutting down");
  }
}

export class NativeCallGate {
  /** `state` is shared with the other thread (backed by a SharedArrayBuffer). */
  constructor(readonly state: Int32Array) {}

  static create(): NativeCallGate {
    return new NativeCallGate(new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)));
  }

  get closed(): boolean {
    return Atomics.load(this.state, 0) === CLOSED;
  }

  /** Runs `call` (which enters native code) unless the gate is closed; the gate stays open until it settles. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await call();
    } finally {
      this.leave();
    }
  }

  /**
   * Closes the gate, blocking this thread until no call is inside or `timeoutMs` passed. For exit
   * handlers, which cannot wait asynchronously. Returns whether the gate is closed.
   */
  closeSync(timeoutMs: number): boolean {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const inside = Atomics.compareExchange(this.state, 0, 0, CLOSED);
      if (inside === 0 || inside === CLOSED) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      Atomics.wait(this.state, 0, inside, left);
    }
  }

  /** Closes the gate without blocking: resolves once no call is inside (or `timeoutMs` passed). */
  async close(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const inside = Atomics.compareExchange(this.state, 0, 0, CLOSED);
      if (inside === 0 || inside === CLOSED) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      // Polled: a batch takes far longer than a poll, and this runs once per model unload.
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, 10)));
    }
  }

  private enter(): void {
    for (;;) {
      const inside = Atomics.load(this.state, 0);
      if (inside === CLOSED) throw new GateClosedError();
      if (Atomics.compareExchange(this.state, 0, inside, inside + 1) === inside) return;
    }
  }

  private leave(): void {
    Atomics.sub(this.state, 0, 1);
    Atomics.notify(this.state, 0);
  }
}

/** How long an exiting process waits for a native call to come back (one model batch). */
const EXIT_WAIT_MS = 30_000;
const open = new Set<NativeCallGate>();
let hooked = false;

function closeAllSync(): void {
  for (const gate of open) gate.closeSync(EXIT_WAIT_MS);
  open.clear();
}

/**
 * Closes `gate` synchronously when the process exits, before Node terminates the worker threads.
 * An uncaught exception or unhandled rejection ends the process without an "exit" event, so the
 * exception monitor does it there, when nothing else is going to handle the error.
 */
export function closeOnProcessExit(gate: NativeCallGate): () => void {
  open.add(gate);
  if (!hooked) {
    hooked = true;
    process.on("exit", closeAllSync);
    process.on("uncaughtExceptionMonitor", (_error, origin) => {
      const handled =
        process.listenerCount("uncaughtException") > 0 ||
        (origin === "unhandledRejection" && process.listenerCount("unhandledRejection") > 0);
      if (!handled) closeAllSync();
    });
  }
  return () => open.delete(gate);
}
