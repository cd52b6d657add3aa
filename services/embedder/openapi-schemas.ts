/**
 * Response bodies of the embedder endpoints, as JSON Schema for the OpenAPI document: the
 * model list (ModelInfo without its paths, plus the nodes serving it), embedding progress
 * (embed-jobs.ts) and the OpenAI-compatible bodies of /v1 (openai.ts).
 */
import {
  arrayOf,
  bool,
  constant,
  int,
  nullable,
  obj,
  oneOfValues,
  ref,
  str,
  type JsonSchema,
} from "../../core/json-schema.ts";

export const EMBEDDER_SCHEMAS: Record<string, JsonSchema> = {
  ModelNode: obj({ nodeID: str, gpu: bool, loaded: bool }),
  Model: obj(
    {
      id: str,
      dimension: int,
      maxTokens: int,
      languages: arrayOf(str),
      license: str,
      sizeBytes: int,
      runtime: constant("onnxruntime"),
      quantization: oneOfValues(["fp32", "fp16", "int8"]),
      /** Whether vectors may be truncated to fewer dimensions. */
      matryoshka: bool,
      source: str,
      nodes: arrayOf(ref("ModelNode")),
    },
    ["source"],
  ),
  EmbeddingProgress: obj({ chunks: int, embedded: int, pending: int, modelId: str }),
  /** OpenAI's embeddings response; `embedding` is base64 little-endian float32 with encoding_format=base64. */
  EmbeddingList: obj({
    object: constant("list"),
    data: arrayOf(
      obj({ object: constant("embedding"), index: int, embedding: { anyOf: [arrayOf({ type: "number" }), str] } }),
    ),
    model: str,
    usage: obj({ prompt_tokens: int, total_tokens: int }),
  }),
  OpenAIModel: obj({ id: str, object: constant("model"), created: int, owned_by: str }),
  OpenAIModelList: obj({ object: constant("list"), data: arrayOf(ref("OpenAIModel")) }),
  /** Errors on /v1 come in OpenAI's shape, which its client libraries parse. */
  OpenAIError: obj({ error: obj({ message: str, type: str, param: nullable(str), code: nullable(str) }) }),
};
