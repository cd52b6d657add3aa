import { readFile } from "node:fs/promises";
import path from "node:path";

/** The TF.js package's vocabulary: [piece, log-probability] × 8000, ids in array order. */
type TfjsVocab = [string, number | null][];

const UNK = "\ufffd";

/**
 * The Hugging Face tokenizer files for USE-lite, as written by the reference
 * conversion/build_tokenizer.py: a SentencePiece-style Unigram model with NFKC and Metaspace.
 */
export async function buildUseLiteTokenizerFiles(sourceDir: string): Promise<Record<string, unknown>> {
  const vocab = JSON.parse(await readFile(path.join(sourceDir, "vocab.json"), "utf8")) as TfjsVocab;
  // TF.js treats a null score as 0.
  const scores = vocab.map(([, s]) => (s === null ? 0 : Number(s)));
  // The reserved ids 1..5 (<s>, </s>, extra tokens) are never produced by the TF.js tokenizer:
  // give them a score far below any real piece so Unigram never picks them either.
  const lowest = Math.min(...scores.slice(6)) - 100;
  const pieces = vocab.map(([piece], i) => [piece, i >= 1 && i <= 5 ? lowest : scores[i]!]);
  const metaspace = { type: "Metaspace", replacement: "\u2581", prepend_scheme: "always", split: false };
  return {
    "tokenizer.json": {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [],
      normalizer: { type: "NFKC" },
      pre_tokenizer: metaspace,
      post_processor: null,
      decoder: metaspace,
      model: { type: "Unigram", unk_id: 0, vocab: pieces, byte_fallback: false },
    },
    "tokenizer_config.json": {
      tokenizer_class: "PreTrainedTokenizer",
      model_max_length: 128,
      clean_up_tokenization_spaces: false,
      unk_token: UNK,
      pad_token: UNK,
      padding_side: "right",
    },
    "special_tokens_map.json": { unk_token: UNK, pad_token: UNK },
    "config.json": {
      _name_or_path: "universal-sentence-encoder-lite (onnx rebuild)",
      architectures: ["BertModel"],
      model_type: "bert",
      hidden_size: 512,
      vocab_size: 8002,
      max_position_embeddings: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      pad_token_id: 0,
      use_note:
        "Output last_hidden_state is the final (already L2-normalised) sentence embedding broadcast over the sequence; use pooling 'mean' or 'cls'. Output sentence_embedding is [batch,512].",
    },
  };
}
