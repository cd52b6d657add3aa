/**
 * Languages keyword search stems and drops stop words for (Snowball + stopword lists). A dataset
 * may name one (its `keywordLanguage`), or "auto" to have it detected from its text; without a
 * choice it follows the platform's KEYWORD_LANGUAGE.
 */
export const KEYWORD_LANGUAGES = ["en", "es", "de", "fr", "pt", "it", "nl", "ru"] as const;
export type KeywordLanguage = (typeof KEYWORD_LANGUAGES)[number];

export const KEYWORD_LANGUAGE_CHOICES = ["auto", ...KEYWORD_LANGUAGES] as const;
export type KeywordLanguageChoice = (typeof KEYWORD_LANGUAGE_CHOICES)[number];
