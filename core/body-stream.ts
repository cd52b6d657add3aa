import type { Readable } from "node:stream";

/** The first error each request body stream emitted while held (holdStreamErrors). */
const heldErrors = new WeakMap<Readable, unknown>();

/**
 * Called first thing in a stream action (core/define-action.ts, defineStreamAction), before any
 * await: busboy destroys a file stream that passes its size limit even while nobody reads it
 * yet, and an "error" nobody listens to crashes the process. The error is kept for the reader
 * (heldStreamError): busboy reports a truncated form by emitting "error" on the file (not
 * destroying it) and then ending it, so an error emitted before the stream was piped would
 * otherwise leave a normal-looking end, and a form answered 400 would still be imported.
 */
export function holdStreamErrors(stream: Readable): void {
  stream.on("error", (err) => {
    if (!heldErrors.has(stream)) heldErrors.set(stream, err);
  });
}

/** Whether the stream emitted an error while held, and which. */
export function heldStreamError(stream: Readable): { error: unknown } | undefined {
  return heldErrors.has(stream) ? { error: heldErrors.get(stream) } : undefined;
}
