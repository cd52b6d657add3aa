import type { Context, ServiceSchema } from "moleculer";
import type { z } from "zod";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction, zodToValidatorRules } from "../../core/define-action.ts";
import { recordEmbedBatch, setEmbedBacklog } from "../../core/metrics.ts";
import { actionEndpoints, announceLocalNode } from "../../core/registry.ts";
import { withClientErrors } from "./broker-errors.ts";
import { CHUNK_CHANNEL, JOB_CHANNEL } from "./channels.ts";
import type { ImportRef } from "./chunk-store.ts";
import { chunkingVersion, DEFAULT_CHUNKING } from "./chunking.ts";
import * as C from "./contracts.ts";
import type { Caller, EmbedderDeps, EmbedderNode } from "./deps.ts";
import type { EmbedJob } from "./embed-jobs.ts";
import { EmbedWork, embeddingProgress, STALL_MS } from "./embed-work.ts";
import * as embedding from "./embedding.ts";
import * as models from "./models.ts";
import { EmbedRouter } from "./node-routing.ts";
import { ModelRegistry } from "./registry.ts";
import { RequeuePolicy } from "./requeue.ts";

/** How often a node looks for pending work nobody is doing. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * Embedding models, chunking and embed jobs, the OpenAI-compatible API: the wiring. Contracts
 * (params, guards, answers) are in contracts.ts, the models in models.ts, embedding in
 * embedding.ts, the way from an import to stored vectors in embed-work.ts, the HTTP paths in
 * routes.ts. The model registry, the requeue policy, publish, handleEmbedJob and embedTexts are
 * on the service instance as well, for tests and benchmarks.
 */
export default function createEmbedderService(app: AppContext): ServiceSchema {
  const { config } = app;
  let base: Omit<EmbedderDeps, "db">;
  let deps: EmbedderDeps;
  let work: EmbedWork;

  return {
    name: "embedder",

    // Advertised with the service to the other nodes.
    settings: {
      chunking: DEFAULT_CHUNKING,
      chunkingVersion: chunkingVersion(DEFAULT_CHUNKING),
      batchChunks: config.EMBED_BATCH_CHUNKS,
      defaultModel: config.DEFAULT_MODEL,
    },

    actions: {
      listModels: defineAction(C.listModels, (ctx) => models.listModels(deps, ctx)),
      getModel: defineAction(C.getModel, (ctx) => models.getModel(deps, ctx, ctx.params)),
      localModels: defineAction(C.localModels, () => models.localModels(deps)),
      embedQuery: defineAction(C.embedQuery, (ctx) => withClientErrors(embedding.embedQuery(deps, ctx.params))),
      embedBatch: defineAction(C.embedBatch(config), (ctx) => withClientErrors(embedding.embedBatch(deps, ctx.params))),
      embeddingProgress: defineAction(C.embeddingProgress, (ctx) => embeddingProgress(deps.db, ctx, ctx.params)),
      enqueuePending: defineAction(C.enqueuePending, async () => ({ datasets: await work.enqueuePending() })),
      createEmbeddings: defineAction(C.createEmbeddings, (ctx) =>
        withClientErrors(embedding.createEmbeddings(deps, ctx, ctx.params)),
      ),
      openaiListModels: defineAction(C.openaiListModels, (ctx) => models.openaiListModels(deps, ctx)),
      openaiGetModel: defineAction(C.openaiGetModel, (ctx) => models.openaiGetModel(deps, ctx, ctx.params)),
    },

    events: {
      "import.completed": {
        params: zodToValidatorRules(C.importCompleted),
        handler: (ctx: Context<z.output<typeof C.importCompleted>>) => work.importCompleted(ctx.params),
      },

      /** Sent by the channels wiring (moleculer.config.ts) once jobs can be published. */
      "$channels.ready": {
        async handler() {
          if (config.EMBEDDER_DEVICE !== "cpu")
            await models
              .settleDevice(deps, config.DEFAULT_MODEL)
              .catch((err: Error) =>
                deps.logger.warn(`embedder: could not load ${config.DEFAULT_MODEL} at start: ${err.message}`),
              );
          await work.startSweeping(SWEEP_INTERVAL_MS);
        },
      },
    },

    channels: {
      [CHUNK_CHANNEL]: {
        group: "embedder",
        maxInFlight: 1,
        maxRetries: 3,
        handler: (payload: ImportRef) => work.handleChunkRequest(payload),
      },
      [JOB_CHANNEL]: {
        group: "embedder",
        // Two jobs per node keep the model busy while the previous batch's vectors are written.
        maxInFlight: Math.max(2, config.EMBED_CONCURRENCY),
        maxRetries: 3,
        handler: (payload: EmbedJob) => work.handleEmbedJob(payload),
      },
    },

    created() {
      const { broker, logger } = this;
      const registry = new ModelRegistry({
        modelsDir: config.modelsDir,
        idleUnloadMs: config.MODEL_IDLE_UNLOAD_S * 1000,
        allowNetwork: config.ALLOW_REMOTE_MODELS,
        logger,
        runtime: {
          device: config.EMBEDDER_DEVICE,
          ...(config.EMBEDDER_THREADS > 0 ? { intraOpThreads: config.EMBEDDER_THREADS } : {}),
          batchNice: config.EMBEDDER_BATCH_NICE,
          logger,
        },
      });
      const service = Object.assign(this, {
        registry,
        requeue: new RequeuePolicy(STALL_MS),
        async publish(channel: string, payload: unknown) {
          if (!broker.sendToChannel)
            throw new Error("embedder: the channels middleware is not installed on this broker");
          await broker.sendToChannel(channel, payload);
        },
        handleEmbedJob: (job: EmbedJob) => work.handleEmbedJob(job),
        embedTexts: (caller: Caller | null, modelId: string, texts: string[], dimensions?: number) =>
          embedding.embedTexts(deps, caller, modelId, texts, dimensions),
      });
      const node: EmbedderNode = {
        nodeID: broker.nodeID,
        call: (action, params, options) => broker.call(action, params, options),
        // Through the instance, so a test can watch what is published.
        publish: (channel, payload) => service.publish(channel, payload),
        emit: (event, payload) => void broker.emit(event, payload),
        availableNodes: (action) =>
          (actionEndpoints(broker, action)?.endpoints ?? []).filter((ep) => ep.isAvailable).map((ep) => ep.id),
        advertised: () => ({ gpu: broker.metadata.gpu === true, device: broker.metadata.device }),
        advertise: async (gpu, device) => {
          Object.assign(broker.metadata, { gpu, device });
          await announceLocalNode(broker);
        },
        recordEmbedBatch: (batch) => recordEmbedBatch(broker, batch),
        setEmbedBacklog: (backlog) => setEmbedBacklog(broker, backlog),
      };
      base = {
        config,
        logger,
        clock: Date.now,
        registry,
        router: new EmbedRouter(broker),
        requeue: service.requeue,
        chunkingConfig: DEFAULT_CHUNKING,
        node,
      };
    },

    async started() {
      deps = { ...base, db: (await app.database()).db };
      work = new EmbedWork(deps);
    },

    async stopped() {
      // Undefined when the service stopped before it started (its database never opened).
      await work?.stop();
      await base.registry.close();
    },
  };
}
