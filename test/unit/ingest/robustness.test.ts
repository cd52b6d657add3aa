import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { ParseError } from "../../../services/ingest/errors.ts";
import { FORMAT_NAMES, parseExport } from "../../../services/ingest/parse-export.ts";
import type { FormatName } from "../../../services/ingest/types.ts";

/** Parses to the end; resolves with "ok" or the error, and fails on a hang. */
async function outcome(file: string, format?: FormatName): Promise<unknown> {
  const run = (async () => {
    for await (const event of parseExport({ path: file, filename: path.basename(file), ...(format ? { format } : {}) }))
      void event;
    return "ok";
  })();
  const timeout = new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`parse of ${file} hung`)), 30_000).unref(),
  );
  return Promise.race([run.catch((err: unknown) => err), timeout]);
}

function assertCleanOutcome(result: unknown): void {
  if (result === "ok") return;
  expect(result, String((result as Error)?.stack ?? result)).to.be.instanceOf(ParseError);
  expect((result as ParseError).code).to.match(/^[A-Z][A-Z_]+$/);
}

/** Strings that look a little like chat exports, so the fuzzer gets past the first checks. */
const chatish = fc
  .array(
    fc.oneof(
      fc.string(),
      fc.constantFrom(
        "1/2/24, 10:00 - ",
        "[01.02.24, 10:00:00] ",
        "12/31/2023, 11:59 p. m. - ",
        "Ann: ",
        "\u200e",
        "\u202f",
        "<Media omitted>",
        "\n",
        "\r\n",
        "{",
        "}",
        "[",
        "]",
        '"messages":',
        '"guild":',
        '"channel":',
        '"sender_name":',
        ",",
        ":",
        "AuthorID,Author,Date,Content\n",
      ),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(""));

describe("ingest parsers: robustness (property-based)", function () {
  this.timeout(360_000);
  let tmp: string;
  let n = 0;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chatlens-fuzz-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (data: string | Uint8Array, ext = ".txt") => {
    const file = path.join(tmp, `input-${n++}${ext}`);
    writeFileSync(file, data);
    return file;
  };

  it("auto-detection throws only ParseError on arbitrary bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) =>
        assertCleanOutcome(await outcome(write(bytes))),
      ),
      { numRuns: 150 },
    );
  });

  it("every parser throws only ParseError on arbitrary chat-like text", async () => {
    await fc.assert(
      fc.asyncProperty(chatish, fc.constantFrom(...FORMAT_NAMES), async (text, format) =>
        assertCleanOutcome(await outcome(write(text), format)),
      ),
      { numRuns: 300 },
    );
  });

  it("every parser throws only ParseError on arbitrary JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), fc.constantFrom(...FORMAT_NAMES), async (json, format) =>
        assertCleanOutcome(await outcome(write(json, ".json"), format)),
      ),
      { numRuns: 300 },
    );
  });

  it("JSON parsers survive message records of arbitrary shape", async () => {
    const record = fc.dictionary(
      fc.constantFrom(
        "id",
        "type",
        "date",
        "date_unixtime",
        "from",
        "from_id",
        "text",
        "timestamp",
        "timestampEdited",
        "author",
        "content",
        "sender_name",
        "timestamp_ms",
        "reactions",
        "attachments",
        "reference",
        "poll",
        "photos",
        "ts",
        "user",
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 8 }),
        fc.constantFrom<FormatName>("telegram", "discord", "messenger", "instagram", "jsonl"),
        async (messages, format) => {
          const doc =
            format === "discord"
              ? { guild: { id: "1", name: "g" }, channel: { id: "2", type: "GuildTextChat", name: "c" }, messages }
              : { messages };
          const text = format === "jsonl" ? messages.map((m) => JSON.stringify(m)).join("\n") : JSON.stringify(doc);
          assertCleanOutcome(await outcome(write(text, format === "jsonl" ? ".jsonl" : ".json"), format));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("WhatsApp lines with arbitrary bodies never lose a header line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 60 }).filter((s) => !/[\r\n\u2028\u2029]/.test(s)),
          { minLength: 1, maxLength: 30 },
        ),
        async (bodies) => {
          const lines = bodies.map((b, i) => `1/2/24, 10:${String(i).padStart(2, "0")} - Ann: ${b}`);
          const file = write(lines.join("\n"));
          let messages = 0;
          for await (const event of parseExport({ path: file, format: "whatsapp" }))
            if (event.type === "messages") messages += event.messages.length;
          expect(messages).to.equal(bodies.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
