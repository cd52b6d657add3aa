import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { parseExport } from "../../../services/ingest/parse-export.ts";
import type { ParseEvent } from "../../../services/ingest/types.ts";

describe("ingest parsers: streaming", function () {
  this.timeout(180_000);
  let tmp: string;
  let file: string;
  const MESSAGES = 300_000;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), "chatlens-stream-"));
    file = path.join(tmp, "WhatsApp Chat with Big Group.txt");
    const out = createWriteStream(file);
    let t = Date.UTC(2020, 0, 1);
    for (let i = 0; i < MESSAGES; i++) {
      t += 37_000;
      const d = new Date(t);
      const line = `${d.getUTCDate()}/${d.getUTCMonth() + 1}/${d.getUTCFullYear()}, ${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, "0")} - Person ${i % 7}: message number ${i} with some ordinary words in it\n`;
      if (!out.write(i % 50 === 0 ? `${line}and a second line\n` : line))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
    }
    await new Promise<void>((resolve) => out.end(() => resolve()));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it("parses a large export in batches, with progress, in bounded memory", async () => {
    global.gc?.();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let messages = 0;
    let batches = 0;
    const progress: number[] = [];
    let summary: Extract<ParseEvent, { type: "summary" }>["summary"] | undefined;
    for await (const event of parseExport({ path: file, options: { batchSize: 1000 } })) {
      if (event.type === "messages") {
        messages += event.messages.length;
        batches++;
        expect(event.messages.length).to.be.at.most(1000);
        if (batches % 20 === 0) {
          // Retained memory, not garbage awaiting collection (mocha runs with --expose-gc).
          global.gc?.();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      } else if (event.type === "progress") progress.push(event.bytesRead / event.totalBytes);
      else if (event.type === "summary") summary = event.summary;
    }
    expect(messages).to.equal(MESSAGES);
    expect(summary).to.include({ messages: MESSAGES, participants: 7, conversations: 1, warnings: 0 });
    // A header scan (stopping early once the date order is proven) and the parse pass.
    expect(summary!.bytesRead).to.be.within(statSync(file).size, 2 * statSync(file).size);
    expect(progress.length).to.be.greaterThan(2);
    expect(progress.at(-1)).to.equal(1);
    // The file is ~25 MB and its messages as objects well over 100 MB; a streaming parse holds a batch at a time.
    expect(peak - baseline).to.be.below(80 * 1024 * 1024);
  });
});
