import { float32ToBase64 } from "../../lib/vector-codec.ts";
import type { Caller, EmbedderDeps } from "./deps.ts";
import { settleDevice } from "./models.ts";
import { embedOnNodes, type EmbedBatchResult } from "./node-routing.ts";
import { checkDimensions, embeddingResponse, inputTexts, type OpenAIEmbeddingRequest } from "./openai.ts";

/** Texts → vectors: on this node's runtime (queries, batches), across the cluster's nodes, and the OpenAI endpoint. */

interface EmbedRequest {
  modelId: string;
  texts: string[];
  dimensions?: number;
}

/** A search's query texts on this node, in the runtime's query lane (ahead of waiting batch work). */
export async function embedQuery(deps: EmbedderDeps, p: EmbedRequest): Promise<EmbedBatchResult> {
  const r = await deps.registry.embed(p.modelId, p.texts, { dimensions: p.dimensions, lane: "query" });
  return {
    data: float32ToBase64(r.data),
    dimension: r.dimension,
    tokenCounts: r.tokenCounts,
    nodeID: deps.node.nodeID,
  };
}

/** A batch on this node's runtime, recorded in the batch metrics. */
export async function embedBatch(deps: EmbedderDeps, p: EmbedRequest): Promise<EmbedBatchResult> {
  const started = performance.now();
  const r = await deps.registry.embed(p.modelId, p.texts, { dimensions: p.dimensions });
  await settleDevice(deps, p.modelId);
  const { device } = await deps.registry.load(p.modelId);
  deps.node.recordEmbedBatch({
    model: p.modelId,
    device,
    chunks: p.texts.length,
    seconds: (performance.now() - started) / 1000,
  });
  return {
    data: float32ToBase64(r.data),
    dimension: r.dimension,
    tokenCounts: r.tokenCounts,
    nodeID: deps.node.nodeID,
  };
}

/** Texts → vectors on the node the GPU-first rule picks (as the caller, or as this node without one). */
export function embedTexts(
  deps: EmbedderDeps,
  caller: Caller | null,
  modelId: string,
  texts: string[],
  dimensions?: number,
) {
  const via = caller ?? deps.node;
  return embedOnNodes(deps.router, (action, params, options) => via.call(action, params, options), deps.logger, {
    modelId,
    texts,
    dimensions,
  });
}

/** POST /v1/embeddings: the answer OpenAI clients expect. */
export async function createEmbeddings(deps: EmbedderDeps, caller: Caller, p: OpenAIEmbeddingRequest) {
  const texts = inputTexts(p.input);
  const model = await deps.registry.get(p.model);
  checkDimensions(model, p.dimensions);
  const r = await embedTexts(deps, caller, model.id, texts, p.dimensions);
  return embeddingResponse(model.id, r.vectors, r.tokenCounts, p.encoding_format);
}
