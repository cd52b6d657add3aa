const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Facebook and Instagram exports write each UTF-8 byte as its own `\u00XX` escape, so
 * "café" arrives as "cafÃ©". Re-reading such a string's code units as bytes gives the
 * real text. Only strings made entirely of U+0000–U+00FF that decode as valid UTF-8 are
 * touched: a genuine "é" (a lone 0xE9 byte) is invalid UTF-8 and is kept as it is, and
 * text that already holds characters above U+00FF was never mangled.
 */
export function repairMojibake(text: string): string {
  let high = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) return text;
    if (c >= 0x80) high = true;
  }
  if (!high) return text;
  try {
    return decoder.decode(Buffer.from(text, "latin1"));
  } catch {
    return text;
  }
}
