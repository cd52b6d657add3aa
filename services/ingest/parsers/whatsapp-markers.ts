import type { Attachment, MessageKind } from "../types.ts";

/**
 * The placeholders WhatsApp writes instead of media, deleted and edited messages. They are
 * localised with the phone's language, so they are matched as whole texts from these
 * lists (lower-cased, direction marks removed) rather than guessed with patterns.
 */

const MEDIA_OMITTED = new Set([
  "<media omitted>", "<multimedia omitido>", "<medien ausgeschlossen>", "<médias omis>", "<media omessi>",
  "<media weggelaten>", "<mídia oculta>", "<arquivo de mídia oculto>", "<медиафайлы удалены>", "<без медиафайлов>",
  "<media dihapus>", "<medya dahil edilmedi>", "<multimèdia omès>", "<media pominięte>", "<médiafájl elhagyva>",
  "image omitted", "video omitted", "audio omitted", "gif omitted", "document omitted",
  "imagen omitida", "video omitido", "audio omitido", "gif omitido", "documento omitido",
  "bild weggelassen", "video weggelassen", "audio weggelassen", "gif weggelassen", "dokument weggelassen",
  "image absente", "vidéo absente", "audio omis", "immagine omessa", "video omesso", "audio omesso",
  "afbeelding weggelaten", "video weggelaten", "audio weggelaten", "imagem ocultada", "vídeo ocultado", "áudio ocultado",
]);

const STICKER_OMITTED = new Set(["sticker omitted", "sticker omitido", "sticker weggelassen", "sticker omis", "sticker omesso", "figurinha omitida"]);
const CONTACT_OMITTED = new Set(["contact card omitted", "tarjeta de contacto omitida", "kontaktkarte weggelassen", "fiche contact omise"]);

const DELETED = new Set([
  "this message was deleted", "you deleted this message", "this message was deleted.", "you deleted this message.",
  "se eliminó este mensaje.", "se eliminó este mensaje", "eliminaste este mensaje.", "eliminaste este mensaje",
  "diese nachricht wurde gelöscht.", "diese nachricht wurde gelöscht", "du hast diese nachricht gelöscht.", "du hast diese nachricht gelöscht",
  "ce message a été supprimé", "vous avez supprimé ce message", "questo messaggio è stato eliminato", "hai eliminato questo messaggio",
  "essa mensagem foi apagada", "mensagem apagada", "você apagou esta mensagem", "dit bericht is verwijderd", "je hebt dit bericht verwijderd",
  "это сообщение удалено", "вы удалили это сообщение", "bu mesaj silindi", "bu mesajı sildiniz", "pesan ini telah dihapus", "anda menghapus pesan ini",
]);

const EDITED_SUFFIXES = [
  "<this message was edited>", "<se editó este mensaje.>", "<diese nachricht wurde bearbeitet.>", "<diese nachricht wurde bearbeitet>",
  "<ce message a été modifié>", "<questo messaggio è stato modificato>", "<esta mensagem foi editada>", "<dit bericht is bewerkt>",
  "<сообщение изменено>", "<bu mesaj düzenlendi>",
];

const LOCATION_PREFIXES = ["location: ", "ubicación: ", "standort: ", "localização: ", "position : ", "posizione: ", "locatie: "];

const CALLS = new Set(["missed voice call", "missed video call", "voice call", "video call", "llamada perdida", "videollamada perdida", "verpasster sprachanruf", "verpasster videoanruf"]);

const CALL_PREFIXES = ["missed voice call", "voice call,", "video call,"];
const LIVE_LOCATION = "live location shared";
const POLL_PREFIX = "poll:";

/** "<attached: 00000012-PHOTO-2020.jpg>" (iOS) and "file.jpg (file attached)" (Android) in a few languages. */
const ATTACHED_PREFIXES = ["<attached:", "< attached:"];
const ATTACHED_SUFFIXES = [" (file attached)", " (datei angehängt)", " (archivo adjunto)", " (arquivo anexado)", " (fichier joint)", " (file allegato)", " (bestand bijgevoegd)", " <attached>"];

/**
 * Quick rejection for ordinary text, derived from the lists above so it cannot drift from
 * them: a line can only be classified if its (lower-cased) first two characters begin a
 * prefix, its last character ends a suffix, or its first and last characters are those of
 * a whole placeholder.
 */
const PREFIX_HEADS = pairTable([...CALL_PREFIXES, ...LOCATION_PREFIXES, POLL_PREFIX, ...ATTACHED_PREFIXES], (p) => [p.charCodeAt(0), p.charCodeAt(1)]);
/** Indexed by the last code alone (first code 0). */
const SUFFIX_LASTS = pairTable(ATTACHED_SUFFIXES, (s) => [0, s.charCodeAt(s.length - 1)]);
const WHOLE_ENDS = pairTable([...MEDIA_OMITTED, ...STICKER_OMITTED, ...CONTACT_OMITTED, ...DELETED, ...CALLS, LIVE_LOCATION], (t) => [t.charCodeAt(0), t.charCodeAt(t.length - 1)]);

/** A 128 × 128 table of the texts' code pairs; non-ASCII pairs are left out, as the quick rejection only looks at ASCII characters. */
function pairTable(texts: string[], codes: (text: string) => [number, number]): Uint8Array {
  const table = new Uint8Array(128 * 128);
  for (const text of texts) {
    const [a, b] = codes(text);
    if (a < 128 && b < 128) table[a * 128 + b] = 1;
  }
  return table;
}

/**
 * Lower-case of a printable ASCII code (space included when `space`), else -1. Such a
 * character is neither trimmed, nor stripped as a mark, nor lower-cased differently in
 * context, so it is the same in the normalised text as in the line.
 */
function asciiLower(c: number, space: boolean): number {
  if (c >= 65 && c <= 90) return c + 32;
  return (c > 32 && c < 127) || (space && c === 32) ? c : -1;
}

const MARKS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function stripMarks(text: string): string {
  return text.replace(MARKS, "");
}

export interface Classified {
  kind: MessageKind;
  attachment?: Attachment;
  /** The line is real content (a call note, a location link, a poll) rather than a placeholder. */
  keepText?: boolean;
}

/** Kind of a WhatsApp message from its first line; undefined for plain text (the common case, kept cheap). */
export function classifyFirstLine(line: string): Classified | undefined {
  // Every placeholder is short, or starts/ends with a bracket: skip the lookups for ordinary text.
  const len = line.length;
  if (len > 120) return undefined;
  const first = line.charCodeAt(0);
  const last = line.charCodeAt(len - 1);
  if (len > 1) {
    const f = asciiLower(first, false);
    const s = asciiLower(line.charCodeAt(1), true);
    const l = asciiLower(last, false);
    if (f >= 0 && s >= 0 && l >= 0 && PREFIX_HEADS[f * 128 + s] === 0 && SUFFIX_LASTS[l] === 0 && WHOLE_ENDS[f * 128 + l] === 0) return undefined;
  }
  // Long lines can still be a shared location, "location: https://maps…", with the link among the first 17 characters:
  // searching backwards from there looks at those positions only, not at the whole line.
  if (len > 40 && first !== 60 && first !== 0x200e && last !== 62 && last !== 41 && line.lastIndexOf(": http", 16) < 0) return undefined;
  const text = stripMarks(line).trim().toLowerCase();
  if (MEDIA_OMITTED.has(text)) return { kind: "media" };
  if (STICKER_OMITTED.has(text)) return { kind: "sticker" };
  if (CONTACT_OMITTED.has(text)) return { kind: "contact" };
  if (DELETED.has(text)) return { kind: "deleted" };
  if (CALLS.has(text) || CALL_PREFIXES.some((p) => text.startsWith(p))) return { kind: "call", keepText: true };
  if (LOCATION_PREFIXES.some((p) => text.startsWith(p)) || text === LIVE_LOCATION) return { kind: "location", keepText: true };
  if (text.startsWith(POLL_PREFIX)) return { kind: "poll", keepText: true };
  if (ATTACHED_PREFIXES.some((p) => text.startsWith(p))) {
    const name = stripMarks(line).trim().replace(/^<\s*attached:\s*/i, "").replace(/\s*>$/, "");
    return { kind: "media", attachment: attachmentOf(name) };
  }
  for (const suffix of ATTACHED_SUFFIXES) {
    if (text.endsWith(suffix) && text.length > suffix.length) {
      const clean = stripMarks(line).trim();
      const attachment = attachmentOf(clean.slice(0, clean.length - suffix.length).trim());
      return { kind: attachment.mediaType === "contact" ? "contact" : attachment.mediaType === "sticker" ? "sticker" : "media", attachment };
    }
  }
  return undefined;
}

/** Removes a trailing "edited" marker; returns the text without it, or undefined when there is none. */
export function stripEditedMarker(text: string): string | undefined {
  if (text.charCodeAt(text.length - 1) !== 62) return undefined;
  const lower = stripMarks(text.slice(-60)).toLowerCase();
  for (const suffix of EDITED_SUFFIXES) {
    if (lower.endsWith(suffix)) {
      const cut = text.lastIndexOf("<");
      return stripMarks(text.slice(0, cut)).trimEnd();
    }
  }
  return undefined;
}

const MEDIA_BY_EXTENSION: Record<string, string> = {
  jpg: "photo", jpeg: "photo", png: "photo", webp: "sticker", heic: "photo", gif: "gif",
  mp4: "video", mov: "video", "3gp": "video", opus: "voice", ogg: "audio", m4a: "audio", mp3: "audio", aac: "audio",
  pdf: "file", vcf: "contact", docx: "file", xlsx: "file", zip: "file",
};

function attachmentOf(name: string): Attachment {
  const dot = name.lastIndexOf(".");
  const ext = dot >= 0 ? name.slice(dot + 1).toLowerCase() : "";
  const mediaType = MEDIA_BY_EXTENSION[ext] ?? "file";
  return { name, mediaType };
}
