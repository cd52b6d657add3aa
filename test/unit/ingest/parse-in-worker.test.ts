import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { ParseError } from "../../../services/ingest/errors.ts";
import { parseExportToArrays } from "../../../services/ingest/parse-export.ts";
import { parseExportInWorker } from "../../../services/ingest/parse-in-worker.ts";
import type { Message, ParseEvent, ParseInput } from "../../../services/ingest/types.ts";
import { telegramNested, whatsappEndlessMessage } from "../../helpers/hostile-exports.ts";
import { loopTurnsWhile } from "../../helpers/loop-turns.ts";
import { whatsappLines } from "../../integration/ingest/generators.ts";

async function collect(input: ParseInput): Promise<ParseEvent[]> {
  const out: ParseEvent[] = [];
  for await (const event of parseExportInWorker(input)) out.push(event);
  return out;
}

async function failure(input: ParseInput): Promise<unknown> {
  return collect(input).then(
    () => expect.fail("the parse should fail"),
    (e: unknown) => e,
  );
}

/** Issue 15 point 2: imports are parsed on a worker thread with a heap cap and a time budget enforced from outside. */
describe("ingest: parsing on a worker thread", function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(path.join(tmpdir(), "chatlens-parse-worker-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, content);
    return file;
  };

  it("streams the same events as parsing in process, message dates included", async () => {
    const file = write("WhatsApp Chat with Team.txt", whatsappLines(0, 12_000));
    const here = await parseExportToArrays({ path: file, options: { batchSize: 2000 } });
    const events = await collect({ path: file, options: { batchSize: 2000 } });
    const messages = events.flatMap((e) => (e.type === "messages" ? e.messages : [])) as Message[];
    expect(messages.length).to.equal(here.messages.length).and.to.equal(12_000);
    expect(messages[123]!.timestamp).to.be.instanceOf(Date);
    expect(messages.map((m) => [m.sourceKey, m.text, m.timestamp.getTime()])).to.deep.equal(
      here.messages.map((m) => [m.sourceKey, m.text, m.timestamp.getTime()]),
    );
    const summary = events.find((e) => e.type === "summary");
    expect(summary && summary.type === "summary" && summary.summary.messages).to.equal(12_000);
    expect(events.filter((e) => e.type === "participant").length).to.equal(here.participants.length);
  });

  it("hands a parse error back with its code and location", async () => {
    const deep = await failure({ path: write("deep.json", telegramNested(100_000)) });
    expect(deep).to.be.instanceOf(ParseError);
    expect((deep as ParseError).code).to.equal("JSON_TOO_DEEP");
    const long = await failure({
      path: write("long.txt", whatsappEndlessMessage(20_000)),
      limits: { maxMessageChars: 10_000 },
    });
    expect((long as ParseError).code).to.equal("MESSAGE_TOO_LONG");
    expect((long as ParseError).line).to.equal(4999);
  });

  it("fails an export that needs more memory than the worker's heap with FILE_TOO_LARGE, and the process lives on", async () => {
    // One message of 3 million lines, allowed by its bound here: ~60 MB of text held at once.
    const file = write("WhatsApp Chat with Huge.txt", whatsappEndlessMessage(3_000_000));
    const err = await failure({ path: file, limits: { maxMessageChars: 1e9, maxParseHeapMb: 16 } });
    expect(err).to.be.instanceOf(ParseError);
    expect((err as ParseError).code).to.equal("FILE_TOO_LARGE");
    expect((err as ParseError).message).to.contain("16 MiB");
    // The same process parses the next export.
    expect(
      (await collect({ path: write("small.txt", whatsappLines(0, 10)) })).some((e) => e.type === "summary"),
    ).to.equal(true);
  });

  it("ends a parse past its time budget with IMPORT_TIME_EXCEEDED", async () => {
    const err = await failure({ path: write("slow.txt", whatsappLines(0, 30_000)), limits: { maxParseMs: 1 } });
    expect((err as ParseError).code).to.equal("IMPORT_TIME_EXCEEDED");
  });

  it("stops at once when aborted, and when the consumer stops reading", async () => {
    const file = write("WhatsApp Chat with Many.txt", whatsappLines(0, 30_000));
    const abort = new AbortController();
    const reason = new Error("import cancelled");
    let batches = 0;
    const err = await (async () => {
      for await (const event of parseExportInWorker({ path: file, options: { batchSize: 500 }, signal: abort.signal }))
        if (event.type === "messages" && ++batches === 2) abort.abort(reason);
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.equal(reason);
    // What the precheck does: read the first batch, then return.
    for await (const event of parseExportInWorker({ path: file, options: { batchSize: 500 } }))
      if (event.type === "messages") break;
  });

  it("leaves the event loop free while it parses", async () => {
    const file = write("WhatsApp Chat with Loop.txt", whatsappLines(0, 40_000));
    const { value: messages, turns } = await loopTurnsWhile(async () => {
      let n = 0;
      for await (const event of parseExportInWorker({ path: file, options: { batchSize: 20_000 } }))
        if (event.type === "messages") n += event.messages.length;
      return n;
    });
    expect(messages).to.equal(40_000);
    // Three events reach this thread; in process the loop would turn about once per read chunk
    // (64 KiB). Hundreds of turns mean the loop served other work throughout the parse.
    expect(turns).to.be.above(100);
  });
});
