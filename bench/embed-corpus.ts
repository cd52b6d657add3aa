/**
 * 2,000 chat messages with the length mix of real group chats: many one-word replies, plenty of
 * one-liners, some long paragraphs, emoji and links. Generated from a seeded PRNG so every run
 * (and every machine) embeds the same text.
 */
const SHORT = [
  "ok",
  "lol",
  "haha",
  "yes",
  "no",
  "thanks!",
  "👍",
  "sure",
  "omw",
  "brb",
  "nice",
  "same",
  "wait what",
  "😂😂",
  "k",
];
const SUBJECTS = [
  "the meeting",
  "dinner",
  "the deploy",
  "your sister",
  "the new flat",
  "the game",
  "the train",
  "our trip",
  "the report",
  "the dog",
];
const VERBS = [
  "moved to",
  "is cancelled until",
  "starts at",
  "got pushed to",
  "is fine for",
  "went badly on",
  "looks great for",
];
const TIMES = ["tomorrow", "Friday", "next week", "8pm", "after lunch", "the weekend", "Monday morning"];
const OPENERS = ["Hey", "Honestly", "FYI", "Quick question:", "So", "Guys", "Update:", "Reminder:"];
const TAILS = ["", " 🙂", "!", "?", " lol", " https://example.com/x?id=42", " — let me know", " 🎉🎉"];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function chatCorpus(n = 2000, seed = 42): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const sentence = () => `${pick(OPENERS)} ${pick(SUBJECTS)} ${pick(VERBS)} ${pick(TIMES)}${pick(TAILS)}`;
  return Array.from({ length: n }, () => {
    const kind = r();
    if (kind < 0.3) return pick(SHORT);
    if (kind < 0.8) return sentence();
    if (kind < 0.95) return `${sentence()}. ${sentence()}`;
    return Array.from({ length: 4 + Math.floor(r() * 8) }, sentence).join(". ");
  });
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Lines as a WhatsApp export (Android, day first, 24 h), one message every 83 s from `start`, five authors. */
export function whatsappExport(lines: string[], start: number): string {
  const names = ["Anna", "Tom", "Lisa", "Marek", "Sofia"];
  return lines
    .map((text, i) => {
      const d = new Date(start + i * 83_000);
      return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${names[(i * 7) % 5]}: ${text.replace(/\n/g, " ")}\n`;
    })
    .join("");
}
