/**
 * Stop words for topic labels, from the `stopword` package (MIT), plus chat filler.
 *
 * `stopword`'s lists are deliberately short (no "work", "home", "problem" as in
 * stopwords-iso's English list), which matters for labels: those words can *be* a
 * topic. Chat-specific filler ("lol", "ok", media placeholders) is added on top.
 * When the caller does not name the dataset's languages we detect them from how
 * often each language's stop words occur.
 */
import { deu, eng, fra, ita, nld, por, rus, spa } from "stopword";

export const SUPPORTED_LANGUAGES = ["en", "es", "de", "fr", "pt", "it", "nl", "ru"] as const;
export type Language = (typeof SUPPORTED_LANGUAGES)[number];

const LISTS: Record<Language, readonly string[]> = {
  en: eng,
  es: spa,
  de: deu,
  fr: fra,
  pt: por,
  it: ita,
  nl: nld,
  ru: rus,
};

/** Words of chat exports that carry no topic: reactions, fillers, export placeholders. */
const CHAT_FILLER: Record<Language, readonly string[]> = {
  en: [
    "lol",
    "lmao",
    "rofl",
    "haha",
    "hahaha",
    "hehe",
    "ok",
    "okay",
    "yeah",
    "yep",
    "yup",
    "nope",
    "yes",
    "hi",
    "hey",
    "hello",
    "thanks",
    "thank",
    "thx",
    "pls",
    "please",
    "omg",
    "u",
    "ur",
    "im",
    "i'm",
    "it's",
    "that's",
    "don't",
    "can't",
    "didn't",
    "just",
    "like",
    "get",
    "got",
    "know",
    "think",
    "really",
    "also",
    "gonna",
    "wanna",
    "gotta",
    "oh",
    "ah",
    "hmm",
    "will",
    "would",
    "could",
    "one",
    "media",
    "omitted",
    "image",
    "sticker",
    "deleted",
    "message",
    "edited",
    "null",
    "not",
    "no",
    "so",
    "its",
    "dont",
    "doesnt",
    "isnt",
    "cant",
    "thats",
    "youre",
    "doesn't",
    "isn't",
    "you're",
    "i'll",
    "i've",
    "i'd",
    "there's",
    "what's",
    "won't",
    "try",
    "see",
    "need",
    "want",
    "use",
    "anyone",
    "something",
    "anything",
    "thing",
    "things",
    "way",
    "still",
    "maybe",
    "sure",
    "good",
    "right",
  ],
  es: [
    "jaja",
    "jajaja",
    "jeje",
    "vale",
    "sí",
    "si",
    "bueno",
    "pues",
    "oye",
    "gracias",
    "hola",
    "vamos",
    "eliminó",
    "mensaje",
    "multimedia",
    "omitido",
  ],
  de: [
    "haha",
    "ja",
    "nein",
    "ok",
    "okay",
    "danke",
    "hallo",
    "mal",
    "halt",
    "eben",
    "schon",
    "gelöscht",
    "nachricht",
    "medien",
    "ausgeschlossen",
  ],
  fr: [
    "mdr",
    "ptdr",
    "oui",
    "non",
    "ok",
    "merci",
    "salut",
    "bon",
    "bah",
    "ben",
    "voilà",
    "message",
    "supprimé",
    "média",
    "omis",
  ],
  pt: [
    "kkk",
    "kkkk",
    "rs",
    "rsrs",
    "sim",
    "não",
    "ok",
    "obrigado",
    "obrigada",
    "oi",
    "olá",
    "tá",
    "né",
    "mensagem",
    "apagada",
    "mídia",
    "oculta",
  ],
  it: ["ahah", "ahahah", "sì", "no", "ok", "grazie", "ciao", "dai", "boh", "messaggio", "eliminato", "media", "omesso"],
  nl: [
    "haha",
    "ja",
    "nee",
    "ok",
    "oké",
    "dank",
    "bedankt",
    "hoi",
    "hallo",
    "gewoon",
    "bericht",
    "verwijderd",
    "media",
    "weggelaten",
  ],
  ru: ["ахах", "хаха", "да", "нет", "ок", "спасибо", "привет", "ну", "вот", "сообщение", "удалено"],
};

export function stopWordSet(languages: readonly Language[]): Set<string> {
  const set = new Set<string>();
  for (const language of languages) {
    for (const word of LISTS[language]) set.add(word.toLowerCase());
    for (const word of CHAT_FILLER[language]) set.add(word);
  }
  return set;
}

/**
 * Languages whose stop words make up a real part of the text: every language
 * scoring at least `minShareOfTop` of the best one's stop-word hits. Short
 * function words shared by several languages ("a", "de") keep the threshold from
 * being lower; English is the answer for text with no stop words at all.
 */
export function detectLanguages(tokens: Iterable<string>, minShareOfTop = 0.3): Language[] {
  const sets = SUPPORTED_LANGUAGES.map((language) => ({ language, words: new Set(LISTS[language]) }));
  const hits = new Map<Language, number>(SUPPORTED_LANGUAGES.map((l) => [l, 0]));
  for (const token of tokens)
    for (const { language, words } of sets) if (words.has(token)) hits.set(language, hits.get(language)! + 1);
  const top = Math.max(...hits.values());
  if (top === 0) return ["en"];
  return SUPPORTED_LANGUAGES.filter((l) => hits.get(l)! >= top * minShareOfTop);
}
