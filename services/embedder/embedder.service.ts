import { Errors, type Context, type Service, type ServiceBroker, type ServiceSchema } from "moleculer";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { recordEmbedBatch, setEmbedBacklog } from "../../core/metrics.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import type { AppContext } from "../../core/app-context.ts";
import { ClientError } from "../../core/errors.ts";
import { itemsOf, ref } from "../../core/json-schema.ts";
import { retryUntil } from "../../lib/retry.ts";
import { CHUNK_CHANNEL, JOB_CHANNEL } from "./channels.ts";
import { importsAwaitingChunking, markImportChunked, rechunkImport, type ImportRef } from "./chunk-store.ts";
import { chunkingVersion, DEFAULT_CHUNKING } from "./chunking.ts";
import { base64ToFloat32, float32ToBase64 } from "../../lib/vector-codec.ts";
import {
  chunksToEmbed,
  datasetWork,
  pendingChunkIds,
  planJobs,
  progressForOrg,
  storeVectors,
  type EmbedJob,
} from "./embed-jobs.ts";
import { datasetsWithPendingWork, type DatasetWork } from "../../lib/embed-backlog.ts";
import { EmbedderError } from "./errors.ts";
import { actionEndpoints } from "../../core/registry.ts";
import { EMBED_BATCH_ACTION, EmbedRouter, GPU_STRATEGY } from "./node-routing.ts";
import {
  checkDimensions,
  embeddingResponse,
  inputTexts,
  modelObject,
  OpenAIRequestError,
  MAX_INPUTS,
  type OpenAIEmbeddingRequest,
} from "./openai.ts";
import { ModelRegistry, type ModelInfo } from "./registry.ts";
import { RequeuePolicy } from "./requeue.ts";

type Ctx<P = Record<string, unknown>> = Context<P, CallMeta>;

/** A model as clients see it: no server paths. */
export type PublicModel = Omit<ModelInfo, "path" | "onnxFile">;
export interface ModelNode {
  nodeID: string;
  gpu: boolean;
  loaded: boolean;
}

interface LocalModels {
  nodeID: string;
  gpu: boolean;
  models: PublicModel[];
  loaded: string[];
}

/** What embedBatch returns: vectors as base64 little-endian float32 (compact over the transporter). */
export interface EmbedBatchResult {
  data: string;
  dimension: number;
  tokenCounts: number[];
  nodeID: string;
}

interface EmbedderService extends DbService {
  registry: ModelRegistry;
  router: EmbedRouter;
  requeue: RequeuePolicy;
  /** Imports this node is chunking now (the sweep leaves them alone). */
  chunking: Set<string>;
  sweepTimer?: NodeJS.Timeout;
  sweeping?: Promise<number>;
  /** Models whose backlog gauge was set, so they are reset to 0 once caught up. */
  backlogModels: Set<string>;
  reportBacklog(pending: { modelId: string; chunks: number; embedded: number }[]): void;
  publish(channel: string, payload: unknown): Promise<void>;
  enqueueChunks(work: DatasetWork, chunkIds: string[]): Promise<void>;
  enqueuePending(): Promise<number>;
  handleChunkRequest(ref: ImportRef): Promise<void>;
  handleEmbedJob(job: EmbedJob): Promise<void>;
  embedTexts(
    ctx: Context | null,
    modelId: string,
    texts: string[],
    dimensions?: number,
  ): Promise<{ vectors: Float32Array[]; tokenCounts: number[] }>;
  clusterModels(ctx: Ctx): Promise<(PublicModel & { nodes: ModelNode[] })[]>;
  localModel(id: string): Promise<ModelInfo>;
  settleDevice(modelId: string): Promise<void>;
  domainError(err: unknown): unknown;
}

const MODEL_TIMEOUT = 120_000;
const DB_TIMEOUT = 15_000;
/** How often a node looks for pending work nobody is doing, and how long work may stand still first. */
const SWEEP_INTERVAL_MS = 60_000;
const CHUNK_PUBLISH_GIVE_UP_MS = 15 * 60_000;
const STALL_MS = 5 * 60_000;

const publicModel = ({ path: _p, onnxFile: _o, ...rest }: ModelInfo): PublicModel => rest;
const isGpu = (broker: ServiceBroker) => (broker.metadata as Record<string, unknown>).gpu === true;

export default function createEmbedderService(app: AppContext): ServiceSchema {
  const { config } = app;

  return {
    name: "embedder",
    mixins: [dbMixin(app)],

    settings: {
      chunking: DEFAULT_CHUNKING,
      chunkingVersion: chunkingVersion(DEFAULT_CHUNKING),
      batchChunks: config.EMBED_BATCH_CHUNKS,
      defaultModel: config.DEFAULT_MODEL,
    },

    actions: {
      listModels: {
        visibility: "published",
        openapi: { summary: "Embedding models and the nodes serving them", response: itemsOf(ref("Model")) },
        permissions: ["models.read"],
        params: { $$strict: true },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService, ctx: Ctx) {
          return { items: await this.clusterModels(ctx) };
        },
      },

      getModel: {
        visibility: "published",
        openapi: { summary: "One embedding model", response: ref("Model") },
        permissions: ["models.read"],
        params: { $$strict: true, id: { type: "string", min: 1, max: 200 } },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService, ctx: Ctx<{ id: string }>) {
          const found = (await this.clusterModels(ctx)).find((m) => m.id === ctx.params.id);
          if (!found) throw new ClientError("MODEL_NOT_FOUND", `Model ${ctx.params.id} not found`);
          return found;
        },
      },

      /** This node's models, for listModels on any node to gather the cluster's view. */
      localModels: {
        visibility: "public",
        params: { $$strict: true },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService): Promise<LocalModels> {
          return {
            nodeID: this.broker.nodeID,
            gpu: isGpu(this.broker),
            models: (await this.registry.list()).map(publicModel),
            loaded: this.registry.loadedIds(),
          };
        },
      },

      /**
       * A search's query texts → vectors. Kept apart from embedBatch: no bulkhead queue behind
       * import batches, and the runtime runs it in its query lane, ahead of waiting batch work
       * (issue 13, search while the platform is busy).
       */
      embedQuery: {
        visibility: "public",
        strategy: GPU_STRATEGY,
        timeout: MODEL_TIMEOUT,
        params: {
          $$strict: true,
          modelId: { type: "string", min: 1, max: 200 },
          texts: { type: "array", min: 1, max: 16, items: { type: "string", max: 100_000 } },
          dimensions: { type: "number", integer: true, positive: true, optional: true },
        },
        async handler(
          this: EmbedderService,
          ctx: Ctx<{ modelId: string; texts: string[]; dimensions?: number }>,
        ): Promise<EmbedBatchResult> {
          const { modelId, texts, dimensions } = ctx.params;
          try {
            const r = await this.registry.embed(modelId, texts, { dimensions, lane: "query" });
            return {
              data: float32ToBase64(r.data),
              dimension: r.dimension,
              tokenCounts: r.tokenCounts,
              nodeID: this.broker.nodeID,
            };
          } catch (err) {
            throw this.domainError(err);
          }
        },
      },

      /**
       * Texts → vectors on this node's model runtime. Internal: the job handler and the OpenAI
       * endpoint call it. GPU nodes are preferred (strategy), each node runs at most
       * EMBED_CONCURRENCY batches at once (bulkhead), a failing node is taken out by the
       * circuit breaker.
       */
      embedBatch: {
        visibility: "public",
        strategy: GPU_STRATEGY,
        bulkhead: { enabled: true, concurrency: config.EMBED_CONCURRENCY, maxQueueSize: 100 },
        timeout: MODEL_TIMEOUT,
        params: {
          $$strict: true,
          modelId: { type: "string", min: 1, max: 200 },
          texts: { type: "array", min: 1, max: MAX_INPUTS, items: { type: "string", max: 100_000 } },
          dimensions: { type: "number", integer: true, positive: true, optional: true },
        },
        async handler(
          this: EmbedderService,
          ctx: Ctx<{ modelId: string; texts: string[]; dimensions?: number }>,
        ): Promise<EmbedBatchResult> {
          const { modelId, texts, dimensions } = ctx.params;
          try {
            const started = performance.now();
            const r = await this.registry.embed(modelId, texts, { dimensions });
            await this.settleDevice(modelId);
            const { device } = await this.registry.load(modelId);
            recordEmbedBatch(this.broker, {
              model: modelId,
              device,
              chunks: texts.length,
              seconds: (performance.now() - started) / 1000,
            });
            return {
              data: float32ToBase64(r.data),
              dimension: r.dimension,
              tokenCounts: r.tokenCounts,
              nodeID: this.broker.nodeID,
            };
          } catch (err) {
            throw this.domainError(err);
          }
        },
      },

      embeddingProgress: {
        visibility: "published",
        openapi: { summary: "Embedding progress of a dataset", response: ref("EmbeddingProgress") },
        permissions: ["datasets.read"],
        params: { $$strict: true, datasetId: { type: "uuid" } },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService, ctx: Ctx<{ datasetId: string }>) {
          const progress = await progressForOrg(this.db, orgOf(ctx), ctx.params.datasetId);
          if (!progress) throw new ClientError("NOT_FOUND", "Dataset not found");
          return progress;
        },
      },

      /** Re-enqueues pending work now (the periodic sweep; operators can call it from the REPL). */
      enqueuePending: {
        visibility: "public",
        params: { $$strict: true },
        timeout: DB_TIMEOUT * 4,
        async handler(this: EmbedderService) {
          return { datasets: await this.enqueuePending() };
        },
      },

      createEmbeddings: {
        visibility: "published",
        openapi: { summary: "Create embeddings (OpenAI-compatible)", response: ref("EmbeddingList") },
        permissions: ["embeddings.create"],
        timeout: MODEL_TIMEOUT,
        params: {
          $$strict: true,
          input: [
            { type: "string", max: 100_000 },
            { type: "array", min: 1, max: MAX_INPUTS, items: { type: "string", max: 100_000 } },
          ],
          model: { type: "string", min: 1, max: 200 },
          encoding_format: { type: "enum", values: ["float", "base64"], optional: true },
          dimensions: { type: "number", integer: true, positive: true, optional: true },
          user: { type: "string", max: 256, optional: true },
        },
        async handler(this: EmbedderService, ctx: Ctx<OpenAIEmbeddingRequest>) {
          const { input, model: modelId, encoding_format, dimensions } = ctx.params;
          try {
            const texts = inputTexts(input);
            const model = await this.localModel(modelId);
            checkDimensions(model, dimensions);
            const r = await this.embedTexts(ctx, model.id, texts, dimensions);
            return embeddingResponse(model.id, r.vectors, r.tokenCounts, encoding_format);
          } catch (err) {
            throw this.domainError(err);
          }
        },
      },

      openaiListModels: {
        visibility: "published",
        openapi: { summary: "List models (OpenAI-compatible)", response: ref("OpenAIModelList") },
        permissions: ["models.read"],
        params: { $$strict: true },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService, ctx: Ctx) {
          return { object: "list", data: (await this.clusterModels(ctx)).map(modelObject) };
        },
      },

      openaiGetModel: {
        visibility: "published",
        openapi: { summary: "One model (OpenAI-compatible)", response: ref("OpenAIModel") },
        permissions: ["models.read"],
        params: { $$strict: true, id: { type: "string", min: 1, max: 200 } },
        timeout: DB_TIMEOUT,
        async handler(this: EmbedderService, ctx: Ctx<{ id: string }>) {
          const found = (await this.clusterModels(ctx)).find((m) => m.id === ctx.params.id);
          if (!found) throw new ClientError("MODEL_NOT_FOUND", `The model '${ctx.params.id}' does not exist`);
          return modelObject(found);
        },
      },
    },

    events: {
      /** Chunking goes through a durable channel: on JetStream a node dying mid-way leaves it queued. */
      "import.completed": {
        params: {
          orgId: "uuid",
          datasetId: "uuid",
          importId: "uuid",
          messagesAdded: { type: "number", integer: true, min: 0, optional: true },
        },
        async handler(this: EmbedderService, ctx: Context<ImportRef & { messagesAdded?: number }>) {
          if (ctx.params.messagesAdded === 0) return;
          const { orgId, datasetId, importId } = ctx.params;
          // This event is the only record that the import waits for chunking: a publish that fails
          // (NATS restarting) is retried until it goes through, or the import would never be embedded.
          await retryUntil(() => this.publish(CHUNK_CHANNEL, { orgId, datasetId, importId }), {
            giveUpAfterMs: CHUNK_PUBLISH_GIVE_UP_MS,
            onRetry: (err) =>
              this.logger.warn(`embedder: chunking of import ${importId} not queued yet (${err.message}); retrying`),
          });
        },
      },

      /** Sent by the channels wiring (moleculer.config.ts) once jobs can be published. */
      "$channels.ready": {
        async handler(this: EmbedderService) {
          if (config.EMBEDDER_DEVICE !== "cpu")
            await this.settleDevice(config.DEFAULT_MODEL).catch((err: Error) =>
              this.logger.warn(`embedder: could not load ${config.DEFAULT_MODEL} at start: ${err.message}`),
            );
          await this.enqueuePending().catch((err: Error) =>
            this.logger.error(`embedder: start-up sweep failed: ${err.message}`),
          );
          this.sweepTimer = setInterval(() => {
            void this.enqueuePending().catch((err: Error) =>
              this.logger.warn(`embedder: sweep failed: ${err.message}`),
            );
          }, SWEEP_INTERVAL_MS).unref();
        },
      },
    },

    channels: {
      [CHUNK_CHANNEL]: {
        group: "embedder",
        maxInFlight: 1,
        maxRetries: 3,
        async handler(this: EmbedderService, payload: unknown) {
          await this.handleChunkRequest(payload as ImportRef);
        },
      },
      [JOB_CHANNEL]: {
        group: "embedder",
        // Two jobs per node keep the model busy while the previous batch's vectors are written.
        maxInFlight: Math.max(2, config.EMBED_CONCURRENCY),
        maxRetries: 3,
        async handler(this: EmbedderService, payload: unknown) {
          await this.handleEmbedJob(payload as EmbedJob);
        },
      },
    },

    methods: {
      async publish(this: EmbedderService, channel: string, payload: unknown) {
        if (!this.broker.sendToChannel)
          throw new Error("embedder: the channels middleware is not installed on this broker");
        await this.broker.sendToChannel(channel, payload);
      },

      async enqueueChunks(this: EmbedderService, work: DatasetWork, chunkIds: string[]) {
        try {
          for (const job of planJobs(work, chunkIds, this.settings.batchChunks)) await this.publish(JOB_CHANNEL, job);
        } catch (err) {
          // Jobs that could not be published (NATS away) are lost: the next sweep re-enqueues the
          // dataset's pending chunks at once instead of after the stall time.
          this.requeue.forget(work.datasetId);
          throw err;
        }
      },

      /** Chunks still without a vector, per model, for the backlog gauge (models that caught up go to 0). */
      reportBacklog(this: EmbedderService, pending: { modelId: string; chunks: number; embedded: number }[]) {
        const byModel = new Map<string, number>([...this.backlogModels].map((m) => [m, 0]));
        for (const w of pending) byModel.set(w.modelId, (byModel.get(w.modelId) ?? 0) + w.chunks - w.embedded);
        for (const [model, chunks] of byModel) {
          setEmbedBacklog(this.broker, { model, chunks });
          this.backlogModels.add(model);
        }
      },

      /** Enqueues the pending chunks of every dataset whose work is not moving; returns how many datasets. */
      enqueuePending(this: EmbedderService): Promise<number> {
        this.sweeping ??= (async () => {
          let n = 0;
          // Imports whose chunking never finished, long after they completed: chunking again is
          // idempotent (only missing chunks are written), so a slow one redone costs only time.
          for (const ref of await importsAwaitingChunking(this.db, new Date(Date.now() - STALL_MS))) {
            if (this.chunking.has(ref.importId)) continue;
            this.logger.warn(`embedder: import ${ref.importId} was never chunked (its request was lost); asking again`);
            await this.publish(CHUNK_CHANNEL, ref);
          }
          const pending = await datasetsWithPendingWork(this.db);
          this.reportBacklog(pending);
          for (const work of pending) {
            if (!this.requeue.shouldEnqueue(work.datasetId, work.embedded)) continue;
            n++;
            for await (const ids of pendingChunkIds(this.db, work)) await this.enqueueChunks(work, ids);
          }
          return n;
        })().finally(() => (this.sweeping = undefined));
        return this.sweeping;
      },

      async handleChunkRequest(this: EmbedderService, ref: ImportRef) {
        const work = await datasetWork(this.db, ref.datasetId);
        if (!work || work.orgId !== ref.orgId) return;
        this.requeue.enqueued(work.datasetId);
        this.chunking.add(ref.importId);
        const result = await rechunkImport(this.db, ref, {
          chunking: this.settings.chunking,
          onInserted: (ids) => this.enqueueChunks(work, ids),
        }).finally(() => this.chunking.delete(ref.importId));
        // A redelivered request (its first try failed, e.g. publishing jobs while NATS restarted)
        // finds its chunks stored and enqueues nothing: the sweep must enqueue whatever of them is
        // still without a vector, at once rather than after the stall time.
        if (result.inserted === 0) this.requeue.forget(work.datasetId);
        if (result.deletedIds.length > 0)
          this.broker.emit("chunks.deleted", {
            orgId: ref.orgId,
            datasetId: ref.datasetId,
            chunkIds: result.deletedIds,
          });
        await markImportChunked(this.db, ref);
        // The last vectors may have been stored before this mark: the index commits its version now.
        this.broker.emit("import.chunked", { orgId: ref.orgId, datasetId: ref.datasetId, modelId: work.modelId });
        this.logger.info(
          `embedder: chunked import ${ref.importId}: ${result.conversations} conversations, ${result.inserted} new chunks, ${result.deletedIds.length} removed`,
        );
      },

      async handleEmbedJob(this: EmbedderService, job: EmbedJob) {
        const todo = await chunksToEmbed(this.db, job);
        // A redelivered job whose vectors were stored before its node died (and before it could
        // announce them) announces them now, or the index would never get them. The index adds a
        // chunk it already holds by replacing it, and ignores ids without a stored vector.
        const pending = new Set(todo.map((c) => c.id));
        const announced = job.chunkIds.filter((id) => !pending.has(id));
        if (todo.length > 0) {
          const { vectors } = await this.embedTexts(
            null,
            job.modelId,
            todo.map((c) => c.text),
          );
          announced.push(
            ...(await storeVectors(
              this.db,
              job,
              todo.map((c, i) => ({ chunkId: c.id, vector: vectors[i]! })),
            )),
          );
        }
        if (announced.length > 0)
          this.broker.emit("embeddings.stored", {
            orgId: job.orgId,
            datasetId: job.datasetId,
            modelId: job.modelId,
            chunkIds: announced,
          });
      },

      /**
       * Runs embedBatch on the node the GPU-first rule picks, moving on to the next node when one
       * fails with a server fault (a caller fault would fail the same way everywhere).
       */
      async embedTexts(
        this: EmbedderService,
        ctx: Context | null,
        modelId: string,
        texts: string[],
        dimensions?: number,
      ) {
        const failed = new Set<string>();
        let lastError: unknown;
        for (;;) {
          const nodeID = this.router.next(failed);
          if (!nodeID) throw lastError ?? new Errors.ServiceNotAvailableError({ action: EMBED_BATCH_ACTION });
          const params = { modelId, texts, ...(dimensions === undefined ? {} : { dimensions }) };
          try {
            // No broker retries: pinned to one node they would only wait; this loop tries the next node instead.
            const r = (await (ctx ?? this.broker).call(EMBED_BATCH_ACTION, params, {
              nodeID,
              retries: 0,
            })) as EmbedBatchResult;
            const data = base64ToFloat32(r.data);
            return {
              vectors: texts.map((_, i) => data.subarray(i * r.dimension, (i + 1) * r.dimension)),
              tokenCounts: r.tokenCounts,
            };
          } catch (err) {
            if (err instanceof Errors.MoleculerClientError) throw err;
            this.logger.warn(`embedder: batch failed on ${nodeID} (${(err as Error).message}); trying another node`);
            failed.add(nodeID);
            lastError = err;
          }
        }
      },

      /** Every embedder node's models, merged by id, each with the nodes that serve it. */
      async clusterModels(this: EmbedderService, ctx: Ctx) {
        const list = actionEndpoints(this.broker, "embedder.localModels");
        const nodeIds = (list?.endpoints ?? []).filter((ep) => ep.isAvailable).map((ep) => ep.id);
        const answers = await Promise.allSettled(
          nodeIds.map(
            (nodeID) => ctx.call("embedder.localModels", {}, { nodeID, timeout: 10_000 }) as Promise<LocalModels>,
          ),
        );
        const byId = new Map<string, PublicModel & { nodes: ModelNode[] }>();
        for (const a of answers) {
          if (a.status !== "fulfilled") continue;
          for (const m of a.value.models) {
            const entry = byId.get(m.id) ?? { ...m, nodes: [] };
            entry.nodes.push({ nodeID: a.value.nodeID, gpu: a.value.gpu, loaded: a.value.loaded.includes(m.id) });
            byId.set(m.id, entry);
          }
        }
        return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
      },

      async localModel(this: EmbedderService, id: string) {
        return this.registry.get(id);
      },

      /**
       * Once a model is loaded the device is known: a node that claimed a GPU from
       * EMBEDDER_DEVICE=cuda but fell back to CPU stops advertising one (EMBEDDER_GPU, when set,
       * is the operator's word and stays).
       */
      async settleDevice(this: EmbedderService, modelId: string) {
        const device = (await this.registry.load(modelId)).device;
        const metadata = this.broker.metadata as Record<string, unknown>;
        // EMBEDDER_GPU, when set, is the operator's word for `gpu`; `device` is always the truth.
        const gpu = config.EMBEDDER_GPU ?? device !== "cpu";
        if (isGpu(this.broker) === gpu && metadata.device === device) return;
        metadata.gpu = gpu;
        metadata.device = device;
        const registry = this.broker.registry as unknown as {
          regenerateLocalRawInfo(incSeq: boolean): void;
          discoverer: { sendLocalNodeInfo(): Promise<void> };
        };
        registry.regenerateLocalRawInfo(true);
        await registry.discoverer.sendLocalNodeInfo();
        this.logger.info(`embedder: node now advertises gpu=${gpu} device=${device}`);
      },

      /** Domain errors as the errors clients get (codes in core/errors.ts). */
      domainError(err: unknown) {
        if (err instanceof OpenAIRequestError)
          return new ClientError("BAD_REQUEST", err.message, { param: err.param, code: err.code });
        if (!(err instanceof EmbedderError)) return err;
        switch (err.code) {
          case "MODEL_NOT_FOUND":
            return new ClientError("MODEL_NOT_FOUND", `The model '${String(err.data?.model ?? "")}' does not exist`);
          case "NETWORK_DISABLED":
            return new ClientError("NETWORK_DISABLED", err.message);
          case "DIMENSIONS_NOT_SUPPORTED":
          case "INVALID_DIMENSIONS":
            return new ClientError("BAD_REQUEST", err.message, { param: "dimensions", code: err.code.toLowerCase() });
          case "MODEL_DOWNLOAD_FAILED":
            return new Errors.MoleculerRetryableError(err.message, 503, err.code);
          default:
            return new Errors.MoleculerServerError(err.message, 500, err.code);
        }
      },
    },

    created(this: Service) {
      const self = this as EmbedderService;
      self.registry = new ModelRegistry({
        modelsDir: config.modelsDir,
        idleUnloadMs: config.MODEL_IDLE_UNLOAD_S * 1000,
        allowNetwork: config.ALLOW_REMOTE_MODELS,
        logger: this.logger,
        runtime: {
          device: config.EMBEDDER_DEVICE,
          ...(config.EMBEDDER_THREADS > 0 ? { intraOpThreads: config.EMBEDDER_THREADS } : {}),
          batchNice: config.EMBEDDER_BATCH_NICE,
          logger: this.logger,
        },
      });
      self.router = new EmbedRouter(this.broker);
      self.requeue = new RequeuePolicy(STALL_MS);
      self.chunking = new Set();
      // The default model's backlog reads 0 from the first sweep, not only once it had work (issue 19).
      self.backlogModels = new Set([config.DEFAULT_MODEL]);
    },

    async stopped(this: Service) {
      const self = this as EmbedderService;
      clearInterval(self.sweepTimer);
      await self.sweeping?.catch(() => undefined);
      await self.registry.close();
    },
  } as ServiceSchema;
}
