import { expect } from "chai";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { holdStreamErrors } from "../../../core/body-stream.ts";
import { saveUpload } from "../../../services/ingest/upload-file.ts";

/**
 * The upload action starts with holdStreamErrors and awaits checks (parameters, the dataset, the
 * quota) before saveUpload pipes the stream. busboy reports a multipart form cut short by emitting
 * "error" on the file stream and then ending it: an error in that gap used to be swallowed, the
 * file saved as if whole and imported, while the gateway answered the client 400.
 */
describe("ingest/upload-file: an upload stream's errors are not lost before it is saved", () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(tmpdir(), "chatlens-upload-"))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("refuses a stream that emitted an error while held and then ended normally, and leaves no file", async () => {
    const file = new PassThrough();
    holdStreamErrors(file);
    file.write("01/02/2021, 10:00 - Ann: hi\n");
    file.emit("error", new Error("Part terminated early due to unexpected end of multipart data"));
    file.end();
    const err = await saveUpload(file, dir, 1024).then(
      () => null,
      (e: { code?: string; type?: string }) => e,
    );
    expect(err, "saveUpload resolved").to.not.equal(null);
    expect(err!.type).to.equal("BAD_REQUEST");
    expect(await readdir(dir)).to.deep.equal([]);
  });

  it("saves a stream that ended without an error", async () => {
    const file = new PassThrough();
    holdStreamErrors(file);
    file.end("01/02/2021, 10:00 - Ann: hi\n");
    const saved = await saveUpload(file, dir, 1024);
    expect(saved.bytes).to.equal(28);
    expect(await readFile(saved.path, "utf8")).to.equal("01/02/2021, 10:00 - Ann: hi\n");
  });

  it("answers PAYLOAD_TOO_LARGE past the byte limit, with no file left", async () => {
    const file = new PassThrough();
    holdStreamErrors(file);
    file.end(Buffer.alloc(4096, 0x61));
    const err = await saveUpload(file, dir, 1024).then(
      () => null,
      (e: { type?: string }) => e,
    );
    expect(err?.type).to.equal("PAYLOAD_TOO_LARGE");
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
