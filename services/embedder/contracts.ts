import { z } from "zod";
import type { Config } from "../../config/index.ts";
import { contract } from "../../core/define-action.ts";
import { itemsOf, ref } from "../../core/json-schema.ts";
import { GPU_STRATEGY } from "./node-routing.ts";
import { MAX_INPUTS } from "./openai.ts";

/**
 * Every embedder action's contract, declared once: params (validated by the broker, typed in the
 * handler, documented in OpenAPI), who may call it, its answer and its limits; and the params of
 * the events it listens to. Handlers are in embedder.service.ts, the logic in models.ts,
 * embedding.ts and embed-work.ts, paths in routes.ts.
 */

const MODEL_TIMEOUT = 120_000;
const DB_TIMEOUT = 15_000;
const none = z.object({}).strict();
const modelId = z.string().min(1).max(200);
const text = z.string().max(100_000);
const dimensions = z.number().int().positive().optional();

const published = { visibility: "published", timeout: DB_TIMEOUT } as const;
const modelsReader = { ...published, permissions: ["models.read" as const] };

export const listModels = contract({
  ...modelsReader,
  openapi: { summary: "Embedding models and the nodes serving them", response: itemsOf(ref("Model")) },
  params: none,
});

export const getModel = contract({
  ...modelsReader,
  openapi: { summary: "One embedding model", response: ref("Model") },
  params: z.object({ id: modelId }).strict(),
});

/** This node's models, for listModels on any node to gather the cluster's view. */
export const localModels = contract({ visibility: "public", timeout: DB_TIMEOUT, params: none });

const embedParams = (maxTexts: number) =>
  z.object({ modelId, texts: z.array(text).min(1).max(maxTexts), dimensions }).strict();

/**
 * A search's query texts → vectors. Kept apart from embedBatch: no bulkhead queue behind import
 * batches, and the runtime runs it in its query lane, ahead of waiting batch work (issue 13,
 * search while the platform is busy).
 */
export const embedQuery = contract({
  visibility: "public",
  strategy: GPU_STRATEGY,
  timeout: MODEL_TIMEOUT,
  params: embedParams(16),
});

/**
 * Texts → vectors on this node's model runtime. Internal: the job handler and the OpenAI
 * endpoint call it. GPU nodes are preferred (strategy), each node runs at most
 * EMBED_CONCURRENCY batches at once (bulkhead), a failing node is taken out by the circuit
 * breaker.
 */
export const embedBatch = (config: Pick<Config, "EMBED_CONCURRENCY">) =>
  contract({
    visibility: "public",
    strategy: GPU_STRATEGY,
    bulkhead: { enabled: true, concurrency: config.EMBED_CONCURRENCY, maxQueueSize: 100 },
    timeout: MODEL_TIMEOUT,
    params: embedParams(MAX_INPUTS),
  });

export const embeddingProgress = contract({
  ...published,
  openapi: { summary: "Embedding progress of a dataset", response: ref("EmbeddingProgress") },
  permissions: ["datasets.read"],
  params: z.object({ datasetId: z.uuid() }).strict(),
});

/** Re-enqueues pending work now (the periodic sweep; operators can call it from the REPL). */
export const enqueuePending = contract({ visibility: "public", timeout: DB_TIMEOUT * 4, params: none });

/** The OpenAI embeddings request, as OpenAI clients send it (`input`: one string or a list). */
export const createEmbeddings = contract({
  visibility: "published",
  openapi: { summary: "Create embeddings (OpenAI-compatible)", response: ref("EmbeddingList") },
  permissions: ["embeddings.create"],
  timeout: MODEL_TIMEOUT,
  params: z
    .object({
      input: z.union([text, z.array(text).min(1).max(MAX_INPUTS)]),
      model: modelId,
      encoding_format: z.enum(["float", "base64"]).optional(),
      dimensions,
      user: z.string().max(256).optional(),
    })
    .strict(),
});

export const openaiListModels = contract({
  ...modelsReader,
  openapi: { summary: "List models (OpenAI-compatible)", response: ref("OpenAIModelList") },
  params: none,
});

export const openaiGetModel = contract({
  ...modelsReader,
  openapi: { summary: "One model (OpenAI-compatible)", response: ref("OpenAIModel") },
  params: z.object({ id: modelId }).strict(),
});

/** `import.completed` as the embedder reads it (chunking is asked for unless nothing was added). */
export const importCompleted = z.object({
  orgId: z.uuid(),
  datasetId: z.uuid(),
  importId: z.uuid(),
  messagesAdded: z.number().int().min(0).optional(),
});
