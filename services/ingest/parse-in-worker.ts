/**
 * parseExport on a worker thread, as the same async stream of events. Parsing an upload is
 * hostile input in the process every tenant shares: on the event loop, even linear parsers take
 * their share of it for the whole import (minutes for a 2 GiB export), and one JSON.parse or
 * regex run over a long line holds it for as long as that takes. On a worker the gateway, the
 * searches and every other org's requests keep the main thread, and the parse gets two bounds
 * the main thread cannot give it:
 *
 * - memory: the worker's heap is capped (`maxParseHeapMb`); an export that needs more fails its
 *   own import with FILE_TOO_LARGE (413) instead of taking the process down;
 * - time: the parse-time budget (`maxParseMs`) is also enforced from outside, so a step that
 *   never yields (a pathological input to any one parser) ends with IMPORT_TIME_EXCEEDED when
 *   the worker is terminated.
 *
 * The worker posts groups of events against credit (parse-worker.ts), so no more than a few
 * message batches wait in memory while the database catches up. A thread is kept for the next
 * import (starting one loads every parser: seconds on a busy machine); one that failed (out of
 * memory, past its time) is ended and the next parse gets a fresh one.
 */
import path from "node:path";
import type { Worker } from "node:worker_threads";
import { startTsWorker } from "../../core/worker-thread.ts";
import { ParseError } from "./errors.ts";
import { withDefaults } from "./io/limits.ts";
import type { FromParseWorker, SerializedParseError, ToParseWorker } from "./parse-worker.ts";
import type { ParseEvent, ParseInput } from "./types.ts";

const ENTRY = new URL("./parse-worker.ts", import.meta.url);
/** Groups the worker may post ahead of the consumer: one being written, one ready, one being parsed. */
const WINDOW = 2;
/** Idle threads kept: one for the import this node runs (one at a time), one for upload prechecks. */
const KEEP_IDLE = 2;
/** Parse threads at most: more prechecks at once wait for one (each reads only the start of its upload). */
const MAX_THREADS = 4;

interface Thread {
  worker: Worker;
  heapMb: number;
  dead: boolean;
  /** The parse this thread runs now: its message and failure handlers. */
  onMessage?: (message: FromParseWorker) => void;
  onFailure?: (err: Error & { code?: string }) => void;
}

const idle: Thread[] = [];
const waiting: (() => void)[] = [];
let live = 0;
let nextId = 1;

function startThread(heapMb: number): Thread {
  live++;
  const worker = startTsWorker(ENTRY, { resourceLimits: { maxOldGenerationSizeMb: heapMb } });
  const thread: Thread = { worker, heapMb, dead: false };
  const died = (err: Error & { code?: string }) => {
    if (!thread.dead) {
      thread.dead = true;
      live--;
      waiting.shift()?.();
    }
    const at = idle.indexOf(thread);
    if (at >= 0) idle.splice(at, 1);
    thread.onFailure?.(err);
  };
  worker.on("message", (message: FromParseWorker) => thread.onMessage?.(message));
  worker.on("error", died);
  worker.on("exit", (code) => died(new Error(`the parse worker exited with code ${code}`)));
  return thread;
}

async function acquire(heapMb: number): Promise<Thread> {
  for (;;) {
    const at = idle.findIndex((t) => t.heapMb === heapMb);
    const thread = at >= 0 ? idle.splice(at, 1)[0]! : live < MAX_THREADS ? startThread(heapMb) : undefined;
    if (thread) {
      thread.worker.ref();
      return thread;
    }
    // All threads busy, or idle ones made for another heap size (a test's limits): end one of those.
    if (idle.length > 0) void idle.shift()!.worker.terminate();
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
}

function release(thread: Thread, reusable: boolean): void {
  delete thread.onMessage;
  delete thread.onFailure;
  if (reusable && !thread.dead && idle.length < KEEP_IDLE) {
    // An idle thread must not keep the process alive.
    thread.worker.unref();
    idle.push(thread);
    waiting.shift()?.();
  } else void thread.worker.terminate();
}

/** Starts a parse thread ahead of the first upload (node start-up), so its precheck does not wait for one. */
export function warmParseWorker(heapMb: number): void {
  if (live > 0) return;
  const thread = startThread(heapMb);
  thread.worker.unref();
  idle.push(thread);
}

function deserialize(error: SerializedParseError): Error {
  if (!error.parse || !error.code) return new Error(`parse worker: ${error.message}`);
  const where: { file?: string; line?: number; path?: string } = {};
  if (error.file !== undefined) where.file = error.file;
  if (error.line !== undefined) where.line = error.line;
  if (error.path !== undefined) where.path = error.path;
  return new ParseError(error.code, error.message, where);
}

export async function* parseExportInWorker(input: ParseInput): AsyncGenerator<ParseEvent, void> {
  const { signal, ...data } = input;
  signal?.throwIfAborted();
  const limits = withDefaults(input.limits);
  const label = input.filename ?? path.basename(input.path);
  const id = nextId++;
  const thread = await acquire(limits.maxParseHeapMb);
  const received: FromParseWorker[] = [];
  let failure: unknown;
  let notify: (() => void) | undefined;
  const wakeUp = () => {
    notify?.();
    notify = undefined;
  };
  thread.onMessage = (message) => {
    if (message.id !== id) return;
    received.push(message);
    wakeUp();
  };
  thread.onFailure = (err) => {
    failure ??=
      err.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new ParseError(
            "FILE_TOO_LARGE",
            `${label}: parsing it needs more than ${limits.maxParseHeapMb} MiB of memory`,
            { file: label },
          )
        : err;
    wakeUp();
  };
  const onAbort = () => {
    failure ??= signal!.reason;
    wakeUp();
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const send = (message: ToParseWorker) => thread.worker.postMessage(message);
  let watchdog: NodeJS.Timeout | undefined;
  let timedOut = false;
  let ended = false;
  try {
    send({ id, type: "start", input: data });
    for (let i = 0; i < WINDOW; i++) send({ id, type: "credit" });
    for (;;) {
      while (received.length === 0 && failure === undefined && !thread.dead) {
        // Waiting here means the worker holds credit and is parsing: a wait past the whole
        // parse budget is a step that never yields.
        await new Promise<void>((resolve) => {
          notify = resolve;
          watchdog = setTimeout(() => {
            timedOut = true;
            failure ??= new ParseError(
              "IMPORT_TIME_EXCEEDED",
              `${label}: parsing took longer than ${limits.maxParseMs} ms`,
              { file: label },
            );
            resolve();
          }, limits.maxParseMs);
        });
        clearTimeout(watchdog);
      }
      if (failure !== undefined) throw failure;
      const message = received.shift();
      if (!message) throw new Error("the parse worker exited before the end of the export");
      if (message.type !== "events") {
        ended = true;
        if (message.type === "done") return;
        throw deserialize(message.error);
      }
      send({ id, type: "credit" });
      yield* message.events;
      signal?.throwIfAborted();
    }
  } finally {
    clearTimeout(watchdog);
    signal?.removeEventListener("abort", onAbort);
    // Stopped early (aborted, or the consumer stopped reading): the thread drops this parse and
    // stays usable. Past its time it may be stuck in one step: it is ended.
    if (!ended && !thread.dead && !timedOut) send({ id, type: "cancel" });
    release(thread, !timedOut);
  }
}
