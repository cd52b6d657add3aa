import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { heldStreamError } from "../../core/body-stream.ts";
import { ClientError } from "../../core/errors.ts";

export interface SavedUpload {
  path: string;
  bytes: number;
}

/**
 * Streams an upload to a fresh file under `dir`, counting bytes. The name is random: the
 * client's filename never becomes part of a path. Past `maxBytes` the write stops with
 * PAYLOAD_TOO_LARGE (the raw stream route has no busboy limit), and a partial file is removed.
 */
export async function saveUpload(
  stream: Readable,
  dir: string,
  maxBytes: number,
  name: string = randomUUID(),
): Promise<SavedUpload> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.upload`);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > maxBytes)
        done(new ClientError("PAYLOAD_TOO_LARGE", `Upload exceeds ${maxBytes} bytes`, { limit: maxBytes }));
      else done(null, chunk);
    },
  });
  const out = createWriteStream(file, { flags: "wx", mode: 0o600 });
  try {
    await pipeline(stream, counter, out);
    const held = heldStreamError(stream);
    if (held) throw held.error;
  } catch (err) {
    // The stream may still be flowing (an HTTP request body): drain it so the socket is not left hanging.
    stream.resume();
    // The file is opened on the thread pool: a pipeline that failed at once (a body past the limit)
    // may end before the open does, and the stream then opens the file to close it. Removing it
    // before that left the file behind (seen on a busy machine); once closed, nothing recreates it.
    if (!out.closed) await new Promise<void>((resolve) => out.once("close", () => resolve()));
    await rm(file, { force: true });
    const fromRequest = (stream.errored ?? heldStreamError(stream)?.error) as unknown;
    throw toUploadError(fromRequest ?? err, maxBytes, fromRequest !== undefined && fromRequest !== null);
  }
  return { path: file, bytes };
}

/**
 * busboy's size limit and aborted requests surface as stream errors of their own kinds. Any other
 * error of the incoming stream is a body the reader could not make sense of (malformed
 * multipart): the caller's fault, not a 500 (issue 15 L6). Errors of the file being written stay
 * server faults.
 */
function toUploadError(err: unknown, maxBytes: number, fromRequest: boolean): Error {
  if (err instanceof ClientError) return err;
  const e = err as { code?: unknown; type?: string; name?: string; message?: string };
  if (e?.code === 413 || e?.type === "PAYLOAD_TOO_LARGE" || e?.name === "PayloadTooLarge")
    return new ClientError("PAYLOAD_TOO_LARGE", `Upload exceeds ${maxBytes} bytes`, { limit: maxBytes });
  if (e?.code === "ERR_STREAM_PREMATURE_CLOSE" || e?.code === "ECONNRESET")
    return new ClientError("BAD_REQUEST", "The upload was interrupted");
  if (fromRequest)
    return new ClientError("BAD_REQUEST", "The upload could not be read: the request body is not well-formed");
  return err as Error;
}
