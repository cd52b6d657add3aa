import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { expect } from "chai";
import { ParseError } from "../../../services/ingest/errors.ts";
import type { ExportEntry } from "../../../services/ingest/io/container.ts";
import { readJsonRecords } from "../../../services/ingest/io/json-records.ts";
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from "../../../services/ingest/io/limits.ts";
import { Progress } from "../../../services/ingest/io/progress.ts";
import { parseExportToArrays } from "../../../services/ingest/parse-export.ts";
import { telegramExport, whatsappLines } from "../../integration/ingest/generators.ts";
import {
  telegramNested,
  telegramWithHugeRecord,
  telegramWithHugeString,
  whatsappEndlessMessage,
  zipOf,
} from "../../helpers/hostile-exports.ts";

/** Issue 15 C1–C3 and the import bounds: each hostile export fails with its own code, location and no crash. */
describe("ingest parse limits", function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(path.join(tmpdir(), "chatlens-limits-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const write = (name: string, content: string | Buffer) => {
    const file = path.join(tmp, name);
    writeFileSync(file, content);
    return file;
  };
  async function failure(file: string, limits?: Partial<ParseLimits>): Promise<ParseError> {
    const err = await parseExportToArrays({
      path: file,
      filename: path.basename(file),
      ...(limits ? { limits } : {}),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err, "the parse should fail").to.be.instanceOf(ParseError);
    return err as ParseError;
  }

  describe("C1: a huge string in a small zip", () => {
    it("refuses a string past the bound with STRING_TOO_LONG and its JSON path, before holding it", async () => {
      const zip = write(
        "c1.zip",
        await zipOf([{ name: "result.json", content: telegramWithHugeString(4 << 20, { count: 3, at: 1 }) }]),
      );
      const used = process.memoryUsage().heapUsed;
      const err = await failure(zip, { maxStringChars: 64 * 1024, maxCompressionRatio: 100_000 });
      expect(err.code).to.equal("STRING_TOO_LONG");
      expect(err.path).to.equal("messages[1].text");
      expect(err.file).to.equal("c1.zip!result.json");
      // The 4 Mi characters were never accumulated (a string of them alone is 4 MiB of heap).
      expect(process.memoryUsage().heapUsed - used).to.be.below(32 << 20);
    });

    it("refuses a long key and a long number the same way", async () => {
      const key = write("key.json", `{"messages":[{"${"k".repeat(10_000)}":1}]}`);
      expect((await failure(key, { maxStringChars: 1000 })).code).to.equal("STRING_TOO_LONG");
      const number = write("number.json", `{"messages":[{"id":${"1".repeat(10_000)}}]}`);
      expect((await failure(number, { maxStringChars: 1000 })).code).to.equal("STRING_TOO_LONG");
    });

    it("refuses one record made of many short strings with MESSAGE_TOO_LONG", async () => {
      const file = write("record.json", telegramWithHugeRecord(50_000));
      const err = await failure(file, { maxMessageChars: 10_000 });
      expect(err.code).to.equal("MESSAGE_TOO_LONG");
      expect(err.path).to.match(/^messages\[0\]/);
    });

    it("keeps parsing a real export under the default bounds", async () => {
      const file = write("ok.json", telegramExport(50));
      const result = await parseExportToArrays({ path: file });
      expect(result.messages).to.have.length(50);
    });
  });

  describe("archives: decompressed bytes and ratio", () => {
    it("refuses a zip bomb by its compression ratio (default bound)", async () => {
      // 8 MiB of one repeated line deflates about 1000 times.
      const zip = write(
        "bomb.zip",
        await zipOf([{ name: "_chat.txt", content: "01/02/2021, 10:00 - Ann: hi\n".repeat(300_000) }]),
      );
      const err = await failure(zip);
      expect(err.code).to.equal("ARCHIVE_TOO_LARGE");
      expect(err.message).to.contain("inflates more than 200 times");
    });

    it("refuses an archive whose members add up past the decompressed bound", async () => {
      const zip = write("big.zip", await zipOf([{ name: "_chat.txt", content: whatsappLines(0, 20_000) }]));
      const err = await failure(zip, { maxDecompressedBytes: 100_000 });
      expect(err.code).to.equal("ARCHIVE_TOO_LARGE");
      expect(err.message).to.contain("100000 bytes");
      const ok = await parseExportToArrays({ path: zip, limits: { maxDecompressedBytes: 10_000_000 } });
      expect(ok.messages).to.have.length(20_000);
    });
  });

  describe("C2: one WhatsApp message that never ends", () => {
    it("fails with MESSAGE_TOO_LONG at the line where the bound is passed", async () => {
      const zip = write("c2.zip", await zipOf([{ name: "_chat.txt", content: whatsappEndlessMessage(200_000) }]));
      const err = await failure(zip, { maxMessageChars: 10_000, maxCompressionRatio: 100_000 });
      expect(err.code).to.equal("MESSAGE_TOO_LONG");
      // "start" and the 4,997 lines after it make 9,999 characters; line 4,999 would pass 10,000.
      expect(err.line).to.equal(4999);
    });

    it("keeps a long but bounded multi-line message", async () => {
      const file = write("long.txt", whatsappEndlessMessage(3000) + "01/02/2021, 10:05 - Bob: next\n");
      const result = await parseExportToArrays({ path: file, limits: { maxMessageChars: 10_000 } });
      expect(result.messages.map((m) => m.text.length)).to.deep.equal([5 + 2 * 3000, 4]);
    });
  });

  describe("C3: deep nesting", () => {
    it("refuses arrays nested 100,000 deep with JSON_TOO_DEEP at once", async () => {
      const file = write("deep.json", telegramNested(100_000));
      // The test's timeout is the hang guard (the quadratic reader took 24 minutes on this input);
      // no duration is asserted, so a busy machine cannot fail it.
      const err = await failure(file);
      expect(err.code).to.equal("JSON_TOO_DEEP");
      expect(err.message).to.contain(`${DEFAULT_PARSE_LIMITS.maxJsonDepth} levels`);
    });

    it("reads nested documents under the bound in time linear in their depth", async () => {
      const entryOf = (text: string): ExportEntry => ({
        name: "x.json",
        label: "x.json",
        size: text.length,
        readErrorCode: "READ_FAILED",
        open: async () => Readable.from([Buffer.from(text)]),
        limits: { maxJsonDepth: 1e9 },
      });
      const cost = async (depth: number) => {
        // Deep nesting inside a record and outside any record (an extra field) take different paths.
        const text = `{"extra":${"[".repeat(depth)}${"]".repeat(depth)},"messages":[${"[".repeat(depth)}${"]".repeat(depth)}]}`;
        let best = Infinity;
        // CPU time of this process, not wall time: other processes on a busy machine take wall
        // time from it but not CPU time, so the ratio below stays about the work done.
        for (let run = 0; run < 3; run++) {
          const started = process.cpuUsage();
          const reader = readJsonRecords(entryOf(text), [["messages", "*"]], new Progress());
          while (!(await reader.next()).done);
          const used = process.cpuUsage(started);
          best = Math.min(best, (used.user + used.system) / 1000);
        }
        return best;
      };
      await cost(500);
      const small = await cost(3000);
      const large = await cost(30_000);
      // Linear: about 10 times; the old reader was quadratic (about 100 times). Generous for noisy machines.
      expect(large / small, `${small.toFixed(1)} ms → ${large.toFixed(1)} ms`).to.be.below(35);
    });
  });

  describe("JSON Lines: the JSON bounds per line", () => {
    const line = (text: string) => JSON.stringify({ timestamp: "2021-02-01T10:00:00Z", author: "Ann", text });
    it("refuses a line nested past the depth bound with JSON_TOO_DEEP and its line, before JSON.parse", async () => {
      const deep = `{"timestamp":"2021-02-01T10:00:00Z","text":"x","extra":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
      const file = write("deep.jsonl", `${line("first")}\n${line("second")}\n${deep}\n`);
      const err = await failure(file);
      expect(err.code).to.equal("JSON_TOO_DEEP");
      expect(err.line).to.equal(3);
      expect(err.message).to.contain(`${DEFAULT_PARSE_LIMITS.maxJsonDepth} levels`);
    });

    it("counts brackets inside strings as text, and keeps lines at the bound", async () => {
      const nested = (depth: number) =>
        `{"timestamp":"2021-02-01T10:00:00Z","text":"${"[{".repeat(50)}","x":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}}`;
      const file = write("ok.jsonl", `${nested(4)}\n${line('quote \\" and [ in text')}\n`);
      const result = await parseExportToArrays({ path: file, limits: { maxJsonDepth: 4 } });
      expect(result.messages.map((m) => m.text)).to.deep.equal(["[{".repeat(50), 'quote \\" and [ in text']);
      const err = await failure(write("over.jsonl", `${nested(5)}\n`), { maxJsonDepth: 4 });
      expect(err.code).to.equal("JSON_TOO_DEEP");
    });

    it("refuses a line past the message bound and a string past the string bound", async () => {
      const long = write("long.jsonl", `${line("a".repeat(2000))}\n`);
      expect((await failure(long, { maxMessageChars: 1000 })).code).to.equal("MESSAGE_TOO_LONG");
      expect((await failure(long, { maxStringChars: 1000 })).code).to.equal("STRING_TOO_LONG");
    });
  });

  describe("CSV: one record is bounded like one message", () => {
    it("refuses a row of many fields past the message bound with MESSAGE_TOO_LONG and its line", async () => {
      const wide = Array.from({ length: 40 }, () => "x".repeat(900)).join(",");
      const file = write(
        "wide.csv",
        `timestamp,author,text${",c".repeat(39)}\n2021-02-01T10:00:00Z,Ann,hi\n2021-02-01T10:01:00Z,Bob,${wide}\n`,
      );
      const err = await failure(file, { maxMessageChars: 10_000 });
      expect(err.code).to.equal("MESSAGE_TOO_LONG");
      expect(err.line).to.be.oneOf([2, 3]);
      const ok = await parseExportToArrays({ path: file, limits: { maxMessageChars: 100_000 } });
      expect(ok.messages).to.have.length(2);
    });
  });

  describe("records and parse time of one import", () => {
    it("refuses more records than the bound with TOO_MANY_RECORDS", async () => {
      const file = write("many.json", telegramExport(100));
      const err = await failure(file, { maxRecords: 40 });
      expect(err.code).to.equal("TOO_MANY_RECORDS");
    });

    it("stops a parse past its time budget with IMPORT_TIME_EXCEEDED", async () => {
      const file = write("slow.json", telegramExport(30_000));
      const err = await failure(file, { maxParseMs: 1 });
      expect(err.code).to.equal("IMPORT_TIME_EXCEEDED");
    });
  });
});
