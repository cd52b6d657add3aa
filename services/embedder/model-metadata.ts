/**
 * chatlens.json: a sidecar beside a model's config.json for what Hugging Face configs rarely
 * say (licence, languages) and for chatlens-specific facts (whether Matryoshka truncation is
 * meaningful). Every field is optional; the registry falls back to config.json and
 * tokenizer_config.json.
 */
export const MODEL_METADATA_FILE = "chatlens.json";

export type Quantization = "fp32" | "fp16" | "int8";

export interface ModelMetadata {
  /** Stable id the model is listed under (defaults to its folder path below the models folder). */
  id?: string;
  dimension?: number;
  maxTokens?: number;
  languages?: string[];
  license?: string;
  /** True when the vectors may be truncated to fewer dimensions (Matryoshka-trained models). */
  matryoshka?: boolean;
  /** ONNX file below onnx/ to load when the folder holds several. */
  onnxFile?: string;
  quantization?: Quantization;
  /** Where the weights came from, for the operator. */
  source?: string;
}
