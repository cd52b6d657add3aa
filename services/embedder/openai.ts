import { float32ToBase64 } from "../../lib/vector-codec.ts";
import type { ModelInfo } from "./model-discovery.ts";

/**
 * The OpenAI embeddings API mapped onto ours: request checks that the schema validator cannot
 * express, response bodies, model objects, and the error body OpenAI clients parse.
 */

export interface OpenAIEmbeddingRequest {
  input: string | string[];
  model: string;
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
}

/** Largest number of inputs per request (OpenAI's own limit). */
export const MAX_INPUTS = 2048;

export class OpenAIRequestError extends Error {
  constructor(
    message: string,
    readonly param: string,
    readonly code: "invalid_value" | "dimensions_not_supported" = "invalid_value",
  ) {
    super(message);
    this.name = "OpenAIRequestError";
  }
}

export function inputTexts(input: string | string[]): string[] {
  const texts = typeof input === "string" ? [input] : input;
  if (texts.length === 0) throw new OpenAIRequestError("'input' must not be empty", "input");
  if (texts.length > MAX_INPUTS)
    throw new OpenAIRequestError(`'input' may hold at most ${MAX_INPUTS} strings`, "input");
  // OpenAI refuses empty strings too: they have no embedding worth paying for.
  const empty = texts.findIndex((t) => t.length === 0);
  if (empty >= 0) throw new OpenAIRequestError(`'input[${empty}]' must not be an empty string`, "input");
  return texts;
}

/** `dimensions` is only meaningful for models trained to be truncated (Matryoshka). */
export function checkDimensions(model: Pick<ModelInfo, "id" | "dimension" | "matryoshka">, dimensions?: number): void {
  if (dimensions === undefined || dimensions === model.dimension) return;
  if (!model.matryoshka)
    throw new OpenAIRequestError(
      `model ${model.id} does not support 'dimensions' (its vectors have ${model.dimension})`,
      "dimensions",
      "dimensions_not_supported",
    );
  if (dimensions < 1 || dimensions > model.dimension)
    throw new OpenAIRequestError(`'dimensions' must be between 1 and ${model.dimension}`, "dimensions");
}

export function embeddingResponse(
  modelId: string,
  vectors: Float32Array[],
  tokenCounts: number[],
  format: "float" | "base64" = "float",
) {
  const tokens = tokenCounts.reduce((a, b) => a + b, 0);
  return {
    object: "list" as const,
    data: vectors.map((v, index) => ({
      object: "embedding" as const,
      index,
      embedding: format === "base64" ? float32ToBase64(v) : Array.from(v),
    })),
    model: modelId,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** OpenAI's model object. `created` is unknown for local folders; 0 keeps it a number. */
export function modelObject(model: Pick<ModelInfo, "id">) {
  return { id: model.id, object: "model" as const, created: 0, owned_by: "chatlens" };
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

interface AnyError {
  code?: unknown;
  type?: unknown;
  message?: string;
  data?: unknown;
  status?: number;
}

/**
 * Any error on the /v1 route as OpenAI's error body and HTTP status. Validation failures are
 * 400 invalid_request_error naming the offending parameter, as OpenAI answers them.
 */
export function toOpenAIError(err: AnyError, exposeInternals: boolean): { status: number; body: OpenAIErrorBody } {
  const numeric = typeof err.code === "number" && err.code >= 400 && err.code < 600 ? err.code : undefined;
  const parser = typeof err.status === "number" && err.status >= 400 && err.status < 500 ? err.status : undefined;
  let status = numeric ?? parser ?? 500;
  const type = typeof err.type === "string" ? err.type : "";
  if (type === "SERVICE_NOT_FOUND" || type === "SERVICE_NOT_AVAILABLE") status = 503;
  let code: string | null = null;
  let param: string | null = null;
  let kind = "invalid_request_error";
  let message = err.message ?? "Error";

  if (type === "VALIDATION_ERROR") {
    status = 400;
    const first = Array.isArray(err.data)
      ? (err.data[0] as { field?: string; message?: string } | undefined)
      : undefined;
    param = first?.field?.split(/[.[]/)[0] ?? null;
    code = "invalid_value";
    if (first?.message) message = first.message;
  } else if (status === 400 && typeof (err.data as { param?: unknown } | undefined)?.param === "string") {
    const data = err.data as { param: string; code?: string };
    param = data.param;
    code = data.code ?? "invalid_value";
  } else if (type === "MODEL_NOT_FOUND") {
    code = "model_not_found";
    param = "model";
  } else if (status === 401) {
    code = "invalid_api_key";
  } else if (status === 403) {
    kind = "permission_error";
    code = "insufficient_permissions";
  } else if (status === 404) {
    code = "not_found";
  } else if (status === 429) {
    kind = "rate_limit_error";
    code = "rate_limit_exceeded";
  } else if (status === 413) {
    code = "request_too_large";
  } else if (status >= 500) {
    kind = status === 503 ? "service_unavailable_error" : "server_error";
    if (!exposeInternals) message = status === 503 ? "Service unavailable" : "Internal server error";
  }
  return { status, body: { error: { message, type: kind, param, code } } };
}
