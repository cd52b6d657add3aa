import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import fc from "fast-check";
import { extractLinks, TextCounter } from "../../../services/analytics/text-stats.ts";
import { maskLinksAndHandles, terms } from "../../../lib/text/tokenize.ts";
import { parseExport } from "../../../services/ingest/parse-export.ts";

/**
 * Issue 15 H2 and point 2: text analytics and parsers run on the gateway's event loop, so their
 * cost must grow linearly with the input. Each check feeds a pathological input at two sizes ten
 * times apart and compares the costs: linear code costs about ten times more, the quadratic
 * regexes this replaced cost about a hundred times more. The bound is generous (noisy, loaded
 * machines) and no absolute duration is asserted.
 */
const SMALL = 100_000;
const GROWTH = 10;
const MAX_RATIO = 40;

/**
 * CPU time (not wall time, which other processes on a loaded machine stretch) of the best of
 * three runs after a warm-up, each after a full collection so garbage of the last run is not billed to this one.
 * Sizes start at 100,000 characters: below that, caches and the young generation make small
 * inputs look cheaper per character than they are.
 */
async function costOf(run: () => unknown): Promise<number> {
  let best = Infinity;
  // The first run warms the JIT and is not counted: a cold small run made the ratio look better
  // or worse than the code is.
  await run();
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const started = process.cpuUsage();
    await run();
    const used = process.cpuUsage(started);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}

async function expectLinear(name: string, make: (n: number) => string, fn: (input: string) => unknown): Promise<void> {
  const small = make(SMALL);
  const large = make(SMALL * GROWTH);
  // A floor of 5 ms keeps timer resolution and a lucky small run from inflating the ratio of very
  // fast functions (1.0 ms floored against 50.6 ms at ten times the size failed once: linear code).
  const a = Math.max(5, await costOf(() => fn(small)));
  const b = await costOf(() => fn(large));
  expect(
    b / a,
    `${name}: ${a.toFixed(1)} ms at ${small.length} chars, ${b.toFixed(1)} ms at ${large.length} chars`,
  ).to.be.below(MAX_RATIO);
}

/** Shapes that made the old regexes backtrack: long tokens, repeated punctuation, near-misses of links and addresses. */
const PATHOLOGICAL: Record<string, (n: number) => string> = {
  "link with a run of dots (the H2 message)": (n) => `http://a${".".repeat(n)}x`,
  "one long token without an @": (n) => `a${".".repeat(n)}`,
  "a token of @ without a dot after": (n) => `x${"@".repeat(n)}`,
  "repeated punctuation with spaces": (n) => "!?. ".repeat(n / 4),
  "a long word": (n) => "a".repeat(n),
  "apostrophes between letters": (n) => "a'".repeat(n / 2),
  "www. near misses": (n) => "www".repeat(n / 3),
  "emoji modifiers and joiners": (n) => "\u{1F468}\u200D".repeat(n / 3),
  "regional indicators": (n) => "\u{1F1E9}".repeat(n / 2),
};

describe("security: text analytics run in time linear in the text (issue 15 H2)", function () {
  this.timeout(120_000);
  const counter = () => new TextCounter(new Set(), ["en"]);

  for (const [shape, make] of Object.entries(PATHOLOGICAL)) {
    // The dashboard counter runs every extractor (links, domains, emoji, words); terms are the topic labels'.
    it(`${shape}: the words/links/emoji dashboard counter and topic terms`, async () => {
      await expectLinear("TextCounter.add", make, (t) => counter().add(t));
      await expectLinear("terms", make, (t) => terms(t, new Set()));
    });
  }

  it("masks links, addresses, handles and tags exactly as the regex it replaced", () => {
    const OLD = /(?:https?:\/\/|www\.)\S+|\S+@\S+\.\S+|[@#]\S+/gu;
    const piece = fc.constantFrom(
      "http://",
      "https://",
      "www.",
      "@",
      "#",
      ".",
      "a",
      "b.c",
      " ",
      "\n",
      "\u00a0",
      "x@y.z",
      "é",
      "..",
      "@@",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const text = pieces.join("");
        expect(maskLinksAndHandles(text)).to.equal(text.replace(OLD, " | "));
      }),
      { numRuns: 2000 },
    );
  });

  it("trims a link's trailing punctuation exactly as the regex it replaced", () => {
    const piece = fc.constantFrom(
      "http://a",
      "www.b",
      ".",
      ",",
      ")",
      "]",
      "}",
      "'",
      '"',
      "!",
      "?",
      ";",
      ":",
      "x",
      " ",
      "/p",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const text = pieces.join("");
        const old = [...text.matchAll(/\b(?:https?:\/\/|www\.)[^\s<>"'`]+/giu)].map((m) =>
          m[0].replace(/[.,;:!?)\]}'"]+$/u, ""),
        );
        expect(extractLinks(text)).to.deep.equal(old);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("security: parsers run in time linear in their input (issue 15 point 2)", function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => (tmp = mkdtempSync(path.join(tmpdir(), "chatlens-linear-"))));
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const parseCost = (name: string, content: string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, content);
    return async () => {
      let messages = 0;
      for await (const event of parseExport({ path: file, filename: name }))
        if (event.type === "messages") messages += event.messages.length;
      // The input must be parsed, not refused early, or its cost says nothing.
      expect(messages, name).to.be.at.least(1);
    };
  };

  async function expectParseLinear(name: string, make: (n: number) => string): Promise<void> {
    const small = parseCost(`small-${name}`, make(SMALL));
    const large = parseCost(`large-${name}`, make(SMALL * GROWTH));
    const a = Math.max(1, await costOf(small));
    const b = await costOf(large);
    expect(b / a, `${name}: ${a.toFixed(1)} ms → ${b.toFixed(1)} ms`).to.be.below(MAX_RATIO);
  }

  const header = "01/02/2021, 10:00 - Ann: ";
  it("WhatsApp: one message of a long token, repeated punctuation, a link of dots", async () => {
    await expectParseLinear("token.txt", (n) => `${header}${"a".repeat(n)}\n`);
    await expectParseLinear("punct.txt", (n) => `${header}${"!?.:".repeat(n / 4)}\n`);
    await expectParseLinear("link.txt", (n) => `${header}http://a${".".repeat(n)}x\n`);
    await expectParseLinear("lines.txt", (n) => `${header}start\n${"01/02/2021,\n".repeat(n / 12)}`);
  });

  it("JSON: deep nesting (under the depth bound), long strings, many keys", async () => {
    await expectParseLinear(
      "nested.json",
      (n) =>
        `{"name":"g","messages":[${'{"id":1,"type":"message","date_unixtime":"1","from":"A","text":["a",{"type":"bold","text":"b"}],"x":[[[[[["y"]]]]]]},'.repeat(n / 100)}{"id":2,"type":"message","date_unixtime":"1","text":"z"}]}`,
    );
    await expectParseLinear(
      "string.json",
      (n) =>
        `{"name":"g","messages":[{"id":1,"type":"message","date_unixtime":"1","from":"A","text":"${"\\\\.".repeat(n / 3)}"}]}`,
    );
    await expectParseLinear(
      "keys.json",
      (n) =>
        `{"name":"g","messages":[{"id":1,"type":"message","date_unixtime":"1","from":"A","text":"t",${Array.from({ length: n / 12 }, (_, i) => `"k${i}":1`).join(",")}}]}`,
    );
  });
});
