import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { convertUseLite, type ConversionResult } from "../../../services/embedder/use-lite/convert.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** CI clones the repository with shared/ beside it. */
export const referenceModelDir = path.resolve(repoRoot, "../shared/models/use-lite");

const long = Array.from(
  { length: 40 },
  (_, i) => `Message ${i}: the quarterly report, which nobody read, was late again!`,
).join(" ");

/** Sentences covering the tokenizer's edge cases: punctuation, unicode, emoji, >128 tokens, empty. */
export const sentences = [
  "How are you doing today?",
  "ok",
  "lol",
  "",
  "   leading and trailing spaces   ",
  'Hello, world!!! What\'s up??? (nothing...) — really; "quoted" text & more: 100% sure.',
  "Café naïve façade coöperate résumé jalapeño Ærøskøbing straße",
  "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ and ligature ﬁle ① ™",
  "Привет, как дела? 你好世界 こんにちは مرحبا שלום",
  "🎉🎉 party time 😂😂😂 👍🏽 family: 👨‍👩‍👧‍👦 flags 🇫🇷🇩🇪",
  "email me at someone@example.com or visit https://example.org/path?q=1&x=2#frag",
  "tabs\tand\nnewlines\r\nmixed   whitespace",
  "numbers 3.14159 1,000,000 -42 1e10 0x1F 2024-01-31 12:30",
  "The quick brown fox jumps over the lazy dog.",
  "I'm gonna grab some food, wanna come? brb",
  long,
];

let converted: Promise<ConversionResult> | undefined;
let tempRoot: string | undefined;

/** USE-lite converted once per test run into a temp models folder (conversion takes well under a second). */
export function convertedUseLite(): Promise<ConversionResult> {
  if (!converted) {
    tempRoot = mkdtempSync(path.join(os.tmpdir(), "chatlens-embedder-"));
    converted = convertUseLite(path.join(tempRoot, "use-lite"));
    process.once("exit", () => rmSync(tempRoot!, { recursive: true, force: true }));
  }
  return converted;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}
