/**
 * Sentiment over time (over the dashboard's one scan of the texts) and the language of each
 * conversation (from a sample).
 *
 * Sentiment is lexicon-based (nlp.js, MIT: SentiCon for English, Spanish and German,
 * Pattern for French, Italian and Dutch, AFINN for Portuguese and Russian, with each
 * language's negations), scored per text message in that message's language: the
 * conversation's languages come from languages.ts, and a message of a mixed-language
 * conversation is scored in the one of them whose stop words it uses most. Messages in
 * a language without a lexicon are counted as unscored, never guessed. Emoji add their
 * valence (emoji-emotion) to the words' score.
 */
import { Container } from "@nlpjs/core";
import { LangDe } from "@nlpjs/lang-de";
import { LangEn } from "@nlpjs/lang-en";
import { LangEs } from "@nlpjs/lang-es";
import { LangFr } from "@nlpjs/lang-fr";
import { LangIt } from "@nlpjs/lang-it";
import { LangNl } from "@nlpjs/lang-nl";
import { LangPt } from "@nlpjs/lang-pt";
import { LangRu } from "@nlpjs/lang-ru";
import { SentimentAnalyzer } from "@nlpjs/sentiment";
import { sql } from "drizzle-orm";
import { emojiEmotion } from "emoji-emotion";
import type { Db } from "../../models/db.ts";
import { num, rowsOf } from "../../models/sql.ts";
import { type ActivityFilter, messageWhere } from "./activity.ts";
import type { ScannedMessage } from "./message-scan.ts";
import { extractEmoji } from "./text-stats.ts";
import { languageName, languageShares, messageLanguage, MIN_DETECT_LENGTH, type LanguageShare } from "./languages.ts";

/** ISO 639-3 (franc) → the nlp.js locale whose lexicon scores it. */
const LEXICON_LOCALE: Record<string, string> = {
  eng: "en",
  spa: "es",
  deu: "de",
  fra: "fr",
  por: "pt",
  ita: "it",
  nld: "nl",
  rus: "ru",
};
export const SCORED_LANGUAGES = Object.keys(LEXICON_LOCALE).map(languageName);

let analyzer: SentimentAnalyzer | undefined;
function sentimentAnalyzer(): SentimentAnalyzer {
  if (!analyzer) {
    const container = new Container();
    for (const lang of [LangEn, LangEs, LangDe, LangFr, LangPt, LangIt, LangNl, LangRu]) container.use(lang);
    analyzer = new SentimentAnalyzer({ container });
  }
  return analyzer;
}

/** Skin tones and the emoji-presentation selector do not change what an emoji says. */
const bareEmoji = (emoji: string) => emoji.replace(/\uFE0F|\p{Emoji_Modifier}/gu, "");

/** Valence of emoji, −5 … +5 (emoji-emotion, MIT: AFINN-style ratings of the common emoji). */
const EMOJI_VALENCE = new Map(emojiEmotion.map((e) => [bareEmoji(e.emoji), e.polarity]));

/** Sum of the emoji valences (−5 … +5 each; unrated emoji count 0). */
export function emojiValence(emoji: readonly string[]): number {
  let sum = 0;
  for (const e of emoji) sum += EMOJI_VALENCE.get(bareEmoji(e)) ?? 0;
  return sum;
}

/**
 * Lexicon score of one text in a language (ISO 639-3); undefined when that language has no
 * lexicon. Chat moods are often told by emoji alone ("😂😂", "ok 😢"), which the word lists
 * ignore: each emoji's valence is added, scaled to the word list's range (AFINN rates words
 * −5 … +5 like the emoji; SentiCon and Pattern −1 … +1).
 */
export async function sentimentOf(
  text: string,
  language: string,
  /** The text's emoji, when already extracted (the dashboard's scan shares them). */
  emoji: readonly string[] = extractEmoji(text),
): Promise<{ score: number; vote: "positive" | "negative" | "neutral" } | undefined> {
  const locale = LEXICON_LOCALE[language];
  if (!locale) return undefined;
  const { sentiment } = await sentimentAnalyzer().process({ locale, text });
  const score = sentiment.score + emojiValence(emoji) * (sentiment.type === "afinn" ? 1 : 0.2);
  return { score, vote: score > 0 ? "positive" : score < 0 ? "negative" : "neutral" };
}

export interface SentimentPeriod {
  /** First day of the period in the requested zone, YYYY-MM-DD. */
  period: string;
  positive: number;
  negative: number;
  neutral: number;
  /** Mean lexicon score of the period's scored messages. */
  average: number;
}

export interface ConversationLanguages {
  conversationId: string;
  name: string | null;
  /** Text messages long enough to tell a language, in the filtered range. */
  messages: number;
  /** The sample's languages, largest share first; empty when every message was too short. */
  languages: LanguageShare[];
}

/** Languages are told from at most this many sampled messages in all, spread over the conversations. */
const SAMPLE_BUDGET = 6000;
const MAX_CONVERSATIONS = 200;

/** The languages of each conversation (from an even sample of its long texts) and what sentiment scores each in. */
export interface LanguageReport {
  languages: ConversationLanguages[];
  /** Per conversation, the languages its messages may be scored in (largest share first). */
  candidatesOf: Map<string, string[]>;
  /** For a conversation outside the sample. */
  fallback: string[];
}

export async function languageReport(db: Db, f: ActivityFilter): Promise<LanguageReport> {
  const where = messageWhere(f);
  const long = sql`m.kind = 'text' and char_length(m.text) >= ${MIN_DETECT_LENGTH}`;
  const counts = await rowsOf<{ id: string; name: string | null; n: unknown }>(
    db,
    sql`select m.conversation_id as id, c.name, count(*) as n from messages m join conversations c on c.id = m.conversation_id
        where ${where} and ${long} group by 1, 2 order by n desc, 1 limit ${MAX_CONVERSATIONS}`,
  );
  const perConversation = Math.max(20, Math.min(300, Math.floor(SAMPLE_BUDGET / Math.max(1, counts.length))));
  // An even spread over each conversation's long messages (every k-th by id), not its first ones.
  const sample = counts.length
    ? await rowsOf<{ id: string; text: string }>(
        db,
        sql`select s.conversation_id as id, s.text from (
              select m.conversation_id, m.text, row_number() over (partition by m.conversation_id order by m.id) as rn,
                     count(*) over (partition by m.conversation_id) as n
              from messages m where ${where} and ${long}) s
            where s.rn % greatest(1, ceil(s.n / ${perConversation}::float8))::int = 0`,
      )
    : [];
  const textsOf = new Map<string, string[]>();
  for (const r of sample) {
    const list = textsOf.get(r.id) ?? [];
    list.push(r.text);
    textsOf.set(r.id, list);
  }
  const languages: ConversationLanguages[] = counts.map((c) => ({
    conversationId: c.id,
    name: c.name,
    messages: num(c.n),
    languages: languageShares(textsOf.get(c.id) ?? []),
  }));
  const overall = languageShares(sample.map((r) => r.text));
  const scorable = (shares: LanguageShare[]) =>
    shares.filter((l) => l.share >= 0.1 || l === shares[0]).map((l) => l.code);
  return {
    languages,
    candidatesOf: new Map(
      languages.map((c) => [c.conversationId, scorable(c.languages.length ? c.languages : overall)]),
    ),
    fallback: overall.length ? scorable(overall) : ["eng"],
  };
}

/**
 * Sentiment per period over the batches of the dashboard's message scan (message-scan.ts):
 * each text message scored in its conversation's language (of several, the one whose stop
 * words it uses most), then `result`.
 */
export class SentimentCounter {
  readonly needs = { conversation: true, period: true };
  private readonly periods = new Map<string, SentimentPeriod & { sum: number }>();
  private unscored = 0;

  constructor(private readonly languages: LanguageReport) {}

  async visit(batch: readonly ScannedMessage[]): Promise<void> {
    for (const r of batch) {
      if (r.kind !== "text") continue;
      const candidates = this.languages.candidatesOf.get(r.conversationId) ?? this.languages.fallback;
      const language =
        candidates.length > 1 ? messageLanguage(r.text.toLowerCase().split(/[^\p{L}']+/u), candidates) : candidates[0];
      const result = language ? await sentimentOf(r.text, language, r.textFacts.emoji) : undefined;
      if (!result) {
        this.unscored++;
        continue;
      }
      let p = this.periods.get(r.period);
      if (!p) {
        p = { period: r.period, positive: 0, negative: 0, neutral: 0, average: 0, sum: 0 };
        this.periods.set(r.period, p);
      }
      p[result.vote]++;
      p.sum += result.score;
    }
  }

  result(): { sentimentOverTime: SentimentPeriod[]; unscored: number; scoredLanguages: string[] } {
    const sentimentOverTime = [...this.periods.values()]
      .sort((a, b) => (a.period < b.period ? -1 : 1))
      .map(({ sum, ...p }) => ({
        ...p,
        average: Math.round((sum / Math.max(1, p.positive + p.negative + p.neutral)) * 1000) / 1000,
      }));
    return { sentimentOverTime, unscored: this.unscored, scoredLanguages: SCORED_LANGUAGES };
  }
}
