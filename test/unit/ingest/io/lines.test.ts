import { Readable } from "node:stream";
import { expect } from "chai";
import { ParseError } from "../../../../services/ingest/errors.ts";
import { readLineChunks } from "../../../../services/ingest/io/lines.ts";
import { Progress } from "../../../../services/ingest/io/progress.ts";

describe("ingest line reader (io/lines.ts)", () => {
  const entryOf = (bytes: Buffer, chunkSize: number) => ({
    name: "x.txt",
    label: "x.txt",
    size: bytes.length,
    readErrorCode: "READ_FAILED" as const,
    open: async () => {
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
      return Readable.from(chunks);
    },
  });
  const readAll = async (bytes: Buffer, chunkSize: number) => {
    const lines: string[] = [];
    for await (const chunk of readLineChunks(entryOf(bytes, chunkSize), new Progress())) lines.push(...chunk);
    return lines;
  };

  it("rejects a line once more than 4 Mi of its characters are read, counting characters rather than bytes", async () => {
    const max = 4 * 1024 * 1024;
    const err = await readAll(Buffer.from(`a\n${"x".repeat(max + (2 << 20))}\nb`), 1 << 20).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ParseError);
    expect((err as ParseError).code).to.equal("NOT_A_CHAT");
    expect((err as ParseError).message).to.contain("line 2 ");
    const lines = await readAll(Buffer.from(`${"é".repeat(max)}\nb`), 1 << 20);
    expect(lines.map((l) => l.length)).to.deep.equal([max, 1]);
  });

  for (const chunkSize of [1, 2, 3, 7, 64, 1 << 16]) {
    it(`splits lines the same way at every chunk size (${chunkSize} bytes)`, async () => {
      const text = "\ufeffé 🎉 one\r\ntwo\n\nthree\r\n\r\nGrüße\rstill\nlast";
      expect(await readAll(Buffer.from(text, "utf8"), chunkSize)).to.deep.equal([
        "é 🎉 one",
        "two",
        "",
        "three",
        "",
        "Grüße\rstill",
        "last",
      ]);
      expect(await readAll(Buffer.from("a\nb\n", "utf8"), chunkSize)).to.deep.equal(["a", "b"]);
      expect(await readAll(Buffer.from("\r\n", "utf8"), chunkSize)).to.deep.equal([""]);
      expect(await readAll(Buffer.from("\ufeff", "utf8"), chunkSize)).to.deep.equal([]);
      expect(await readAll(Buffer.from("\ufeff\n\ufeffx\r", "utf8"), chunkSize)).to.deep.equal(["", "\ufeffx"]);
      expect(await readAll(Buffer.from("\n\n", "utf8"), chunkSize)).to.deep.equal(["", ""]);
      // Broken UTF-8 becomes U+FFFD wherever the chunks are cut.
      expect(await readAll(Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xf0, 0x9f, 0x8e]), chunkSize)).to.deep.equal([
        "a\ufffd",
        "\ufffd",
      ]);
    });
  }
});
