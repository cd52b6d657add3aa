/** The parts of nlp.js (MIT, no types shipped) that the sentiment analysis uses. */
declare module "@nlpjs/core" {
  export class Container {
    constructor(hasPrefix?: boolean);
    use(plugin: unknown): void;
  }
}

declare module "@nlpjs/sentiment" {
  import type { Container } from "@nlpjs/core";
  export interface SentimentResult {
    /** Sum of the lexicon values of the words found (negations flip what follows). */
    score: number;
    numWords: number;
    numHits: number;
    average: number;
    vote: "positive" | "negative" | "neutral";
    locale: string;
    /** Which word list scored it: values −1…+1 (senticon, pattern) or −5…+5 (afinn). */
    type: "senticon" | "pattern" | "afinn";
  }
  export class SentimentAnalyzer {
    constructor(settings: { container: Container });
    process(input: { locale: string; text: string }): Promise<{ sentiment: SentimentResult }>;
  }
}

declare module "@nlpjs/lang-en" {
  export const LangEn: unknown;
}
declare module "@nlpjs/lang-es" {
  export const LangEs: unknown;
}
declare module "@nlpjs/lang-de" {
  export const LangDe: unknown;
}
declare module "@nlpjs/lang-fr" {
  export const LangFr: unknown;
}
declare module "@nlpjs/lang-pt" {
  export const LangPt: unknown;
}
declare module "@nlpjs/lang-it" {
  export const LangIt: unknown;
}
declare module "@nlpjs/lang-nl" {
  export const LangNl: unknown;
}
declare module "@nlpjs/lang-ru" {
  export const LangRu: unknown;
}
