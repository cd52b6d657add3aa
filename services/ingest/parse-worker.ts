/**
 * Worker-thread entry of the parse worker (parse-in-worker.ts). The thread stays up between
 * imports (starting one loads every parser, seconds on a busy machine) and runs the parses it is
 * given, each tagged with its id: it posts each parse's events in groups, never more groups ahead
 * of the consumer than the credit it was given (the database writes are slower than the parser,
 * so without it a large export would pile up in memory as posted messages), and stops a parse
 * when told to.
 */
import { parentPort } from "node:worker_threads";
import { ParseError } from "./errors.ts";
import { parseExport } from "./parse-export.ts";
import type { ParseEvent, ParseInput } from "./types.ts";

export interface SerializedParseError {
  parse: boolean;
  code?: ParseError["code"];
  message: string;
  file?: string;
  line?: number;
  path?: string;
}

export type FromParseWorker =
  | { id: number; type: "events"; events: ParseEvent[] }
  | { id: number; type: "done" }
  | { id: number; type: "error"; error: SerializedParseError };
export type ToParseWorker =
  | { id: number; type: "start"; input: Omit<ParseInput, "signal"> }
  | { id: number; type: "credit" }
  | { id: number; type: "cancel" };

/** Events of one post at most, when no message batch closes the group earlier. */
const GROUP_EVENTS = 256;

interface Run {
  credit: number;
  wake: (() => void) | undefined;
  abort: AbortController;
}

const port = parentPort!;
const runs = new Map<number, Run>();

function serialize(err: unknown): SerializedParseError {
  if (err instanceof ParseError) {
    const out: SerializedParseError = { parse: true, code: err.code, message: err.message };
    if (err.file !== undefined) out.file = err.file;
    if (err.line !== undefined) out.line = err.line;
    if (err.path !== undefined) out.path = err.path;
    return out;
  }
  return { parse: false, message: err instanceof Error ? err.message : String(err) };
}

async function run(id: number, input: ParseInput, state: Run): Promise<void> {
  const post = async (events: ParseEvent[]) => {
    while (state.credit === 0) {
      state.abort.signal.throwIfAborted();
      await new Promise<void>((resolve) => (state.wake = resolve));
    }
    state.abort.signal.throwIfAborted();
    state.credit--;
    port.postMessage({ id, type: "events", events } satisfies FromParseWorker);
  };
  let group: ParseEvent[] = [];
  for await (const event of parseExport({ ...input, signal: state.abort.signal })) {
    group.push(event);
    if (event.type === "messages" || event.type === "summary" || group.length >= GROUP_EVENTS) {
      await post(group);
      group = [];
    }
  }
  if (group.length > 0) await post(group);
}

port.on("message", (message: ToParseWorker) => {
  if (message.type === "start") {
    const state: Run = { credit: 0, wake: undefined, abort: new AbortController() };
    runs.set(message.id, state);
    run(message.id, message.input, state)
      .then(
        () => port.postMessage({ id: message.id, type: "done" } satisfies FromParseWorker),
        (err: unknown) =>
          port.postMessage({ id: message.id, type: "error", error: serialize(err) } satisfies FromParseWorker),
      )
      .finally(() => runs.delete(message.id));
    return;
  }
  const state = runs.get(message.id);
  if (!state) return;
  if (message.type === "cancel") state.abort.abort(new Error("parse cancelled"));
  else state.credit++;
  state.wake?.();
  state.wake = undefined;
});
