import type { Context, Service, ServiceSchema } from "moleculer";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { orgOf, type CallMeta } from "../../core/permissions.ts";
import { findOwned, tenantMixin } from "../../mixins/tenant.mixin.ts";
import { datasets } from "../../models/schema.ts";
import type { AppContext } from "../../core/app-context.ts";
import { JobQueue } from "../../core/job-queue.ts";
import { OrgSlots } from "../../core/org-slots.ts";
import { ClientError } from "../../core/errors.ts";
import { arrayOf, obj, ref, str } from "../../core/json-schema.ts";
import { compareRuns } from "./compare.ts";
import {
  completeRun,
  createRun,
  embeddingsVersion,
  failRun,
  getRun,
  getRunPart,
  listRuns,
  loadChunks,
  locateChunk,
  participantNameWords,
  representativeMessages,
  setProgress,
  toStoredResult,
  type RunParams,
  type RunRow,
} from "./runs.ts";
import { buildTopicExport, topicExportCsv } from "./export.ts";
import { describeRunFailure } from "./run-errors.ts";
import { clusterChunksInWorker } from "./worker.ts";

type Ctx<P> = Context<
  P,
  CallMeta & {
    $statusCode?: number;
    $location?: string;
    $responseType?: string;
    $responseHeaders?: Record<string, string>;
  }
>;

interface RunJob {
  orgId: string;
  run: RunRow;
  chunkCount: number;
}

interface ClusterService extends DbService {
  /** Runs of this node, one at a time (each already uses a worker thread's full core), served round-robin by org. */
  queue: JobQueue<RunJob>;
  /** Runs being started (not queued yet): they count toward the org's quota. */
  starting: OrgSlots;
  execute(run: RunRow, chunkCount: number, signal: AbortSignal): Promise<void>;
}

const DB_TIMEOUT = 30_000;
const uuid = { type: "uuid" } as const;
/** Progress rows are written at most this often: a run reports hundreds of steps. */
const PROGRESS_INTERVAL_MS = 500;
const MIN_CHUNKS = 3;

/**
 * Topic clustering runs of a dataset: started as jobs (progress in the cluster_runs row),
 * computed on a worker thread, stored with the vector-set version they saw, compared.
 */
export default function createClusterService(app: AppContext): ServiceSchema {
  const { config } = app;
  return {
    name: "cluster",
    mixins: [dbMixin(app), tenantMixin()],

    actions: {
      /**
       * Starts a clustering run over the dataset's embeddings (of the dataset's model) and
       * answers 202 with the queued run. Without `k`, k is chosen automatically: the k in
       * [kMin, kMax] (default 2..min(30, √n)) with the best mean silhouette on a sample.
       * `map` adds the 2-D map (UMAP over up to 20,000 points, or t-SNE over up to 2,000;
       * a stratified sample by cluster above that).
       */
      startRun: {
        visibility: "published",
        openapi: { summary: "Start a clustering run (queued)", response: ref("ClusterRunRow"), successStatus: 202 },
        permissions: ["clusters.run"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          k: { type: "number", integer: true, min: 2, max: 200, optional: true },
          kMin: { type: "number", integer: true, min: 2, max: 200, optional: true },
          kMax: { type: "number", integer: true, min: 2, max: 200, optional: true },
          map: { type: "boolean", default: true },
          mapMethod: { type: "enum", values: ["umap", "tsne"], default: "umap" },
          granularity: { type: "enum", values: ["auto", "week", "month"], default: "auto" },
          seed: { type: "number", integer: true, min: 0, max: 2 ** 31 - 1, default: 42 },
        },
        async handler(this: ClusterService, ctx: Ctx<RunParams & { datasetId: string }>) {
          const { datasetId, ...params } = ctx.params;
          if (params.kMin !== undefined && params.kMax !== undefined && params.kMin > params.kMax)
            throw new ClientError("VALIDATION_ERROR", "kMin must not exceed kMax", [{ field: "kMin", type: "range" }]);
          const dataset = await findOwned(this.db, ctx, datasets, datasetId, "Dataset");
          const orgId = orgOf(ctx);
          // One org's runs must not fill the queue every org shares (issue 15 M6): a run past the
          // quota is refused before anything is stored; runs being started count as well, or many
          // sent at once would all pass before any was queued.
          const release = this.starting.take(orgId, config.CLUSTER_MAX_QUEUED_PER_ORG, this.queue.countFor(orgId));
          if (!release)
            throw new ClientError(
              "QUOTA_EXCEEDED",
              `Your organisation already has ${config.CLUSTER_MAX_QUEUED_PER_ORG} topic runs queued or running; start another when one has ended`,
              { limit: config.CLUSTER_MAX_QUEUED_PER_ORG },
            );
          try {
            const { version, count } = await embeddingsVersion(this.db, orgId, datasetId, dataset.modelId);
            if (count < MIN_CHUNKS)
              throw new ClientError(
                "NOT_ENOUGH_DATA",
                `Clustering needs at least ${MIN_CHUNKS} embedded chunks; this dataset has ${count}`,
              );
            const run = await createRun(this.db, {
              orgId,
              datasetId,
              modelId: dataset.modelId,
              indexVersion: version,
              params,
              createdBy: ctx.meta.auth?.userId ?? null,
            });
            void this.queue.add({ orgId, run, chunkCount: count });
            ctx.meta.$statusCode = 202;
            ctx.meta.$location = `/api/datasets/${datasetId}/clusters/runs/${run.id}`;
            return run;
          } finally {
            release();
          }
        },
      },

      listRuns: {
        visibility: "published",
        openapi: {
          summary: "Clustering runs of a dataset, newest first",
          response: obj({ runs: arrayOf(ref("ClusterRunSummary")) }),
        },
        permissions: ["clusters.read"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          limit: { type: "number", integer: true, min: 1, max: 200, convert: true, default: 50 },
        },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; limit: number }>) {
          await findOwned(this.db, ctx, datasets, ctx.params.datasetId, "Dataset");
          return { runs: await listRuns(this.db, orgOf(ctx), ctx.params.datasetId, ctx.params.limit) };
        },
      },

      /** Status and progress while running; clusters (labels, terms, sizes, representative messages, participants) and topics over time when done. */
      getRun: {
        visibility: "published",
        openapi: { summary: "A clustering run: progress, or its topics when done", response: ref("ClusterRun") },
        permissions: ["clusters.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, runId: uuid },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; runId: string }>) {
          const run = await getRun(this.db, orgOf(ctx), ctx.params.datasetId, ctx.params.runId);
          if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
          return run;
        },
      },

      /** The stored map as parallel arrays: ids, x, y (in [-1, 1]), cluster, preview. */
      getMap: {
        visibility: "published",
        openapi: { summary: "The 2-D topic map of a run", response: ref("TopicMap") },
        permissions: ["clusters.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, runId: uuid },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; runId: string }>) {
          const part = await getRunPart(this.db, orgOf(ctx), ctx.params.datasetId, ctx.params.runId, "map");
          if (!part) throw new ClientError("NOT_FOUND", "Cluster run not found");
          if (part.status !== "completed")
            throw new ClientError("CONFLICT", `The run is ${part.status}; its map is not ready`);
          if (!part.value) throw new ClientError("NOT_FOUND", "This run was started without a map");
          return part.value;
        },
      },

      /**
       * The run's topics (with parents) and every chunk's topic, with its conversation and
       * start time: JSON, or CSV (one row per chunk) with `format=csv`.
       */
      exportRun: {
        visibility: "published",
        openapi: {
          summary: "Export a run's topics and per-chunk assignments (JSON or CSV)",
          response: ref("TopicExport"),
          content: { "text/csv": str },
        },
        permissions: ["clusters.read"],
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          datasetId: uuid,
          runId: uuid,
          format: { type: "enum", values: ["json", "csv"], default: "json" },
        },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; runId: string; format: "json" | "csv" }>) {
          const orgId = orgOf(ctx);
          const run = await getRun(this.db, orgId, ctx.params.datasetId, ctx.params.runId);
          if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
          if (run.status !== "completed" || !run.result)
            throw new ClientError("CONFLICT", `The run is ${run.status}; there is nothing to export yet`);
          const assignments = await getRunPart(this.db, orgId, ctx.params.datasetId, ctx.params.runId, "assignments");
          const data = await buildTopicExport(this.db, { orgId, ...ctx.params }, run.result, assignments!.value!);
          if (ctx.params.format === "json") return data;
          ctx.meta.$responseType = "text/csv; charset=utf-8";
          ctx.meta.$responseHeaders = {
            "Content-Disposition": `attachment; filename="topics-${run.id.slice(0, 8)}.csv"`,
          };
          return topicExportCsv(data);
        },
      },

      /** A chunk's conversation and message ids, so a map dot or topic member opens in the conversation viewer. */
      locateChunk: {
        visibility: "published",
        openapi: {
          summary: "Where a message group (map dot, topic member) is: its conversation and messages",
          response: ref("ChunkLocation"),
        },
        permissions: ["datasets.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, chunkId: { type: "string", min: 1, max: 200 } },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; chunkId: string }>) {
          await findOwned(this.db, ctx, datasets, ctx.params.datasetId, "Dataset");
          const where = await locateChunk(this.db, orgOf(ctx), ctx.params.datasetId, ctx.params.chunkId);
          if (!where) throw new ClientError("NOT_FOUND", "Message group not found");
          return where;
        },
      },

      /** Topics gained, lost and matched (with their change in size) from `runId` to `otherRunId`. */
      compareRuns: {
        visibility: "published",
        openapi: { summary: "Topics gained, lost and matched between two runs", response: ref("RunComparison") },
        permissions: ["clusters.read"],
        timeout: DB_TIMEOUT,
        params: { $$strict: true, datasetId: uuid, runId: uuid, otherRunId: uuid },
        async handler(this: ClusterService, ctx: Ctx<{ datasetId: string; runId: string; otherRunId: string }>) {
          const orgId = orgOf(ctx);
          const load = async (runId: string) => {
            const run = await getRun(this.db, orgId, ctx.params.datasetId, runId);
            if (!run) throw new ClientError("NOT_FOUND", "Cluster run not found");
            if (run.status !== "completed") throw new ClientError("CONFLICT", `Run ${runId} is ${run.status}`);
            const assignments = await getRunPart(this.db, orgId, ctx.params.datasetId, runId, "assignments");
            return { run, snapshot: { clusters: run.result!.clusters, assignments: assignments!.value! } };
          };
          const before = await load(ctx.params.runId);
          const after = await load(ctx.params.otherRunId);
          return {
            before: { runId: before.run.id, indexVersion: before.run.indexVersion, k: before.run.result!.k },
            after: { runId: after.run.id, indexVersion: after.run.indexVersion, k: after.run.result!.k },
            ...compareRuns(before.snapshot, after.snapshot),
          };
        },
      },
    },

    methods: {
      async execute(this: ClusterService, run: RunRow, chunkCount: number, signal: AbortSignal) {
        let lastWrite = 0;
        let writing: Promise<void> = Promise.resolve();
        const report = (progress: number, stage: string) => {
          const now = Date.now();
          if (now - lastWrite < PROGRESS_INTERVAL_MS) return;
          lastWrite = now;
          writing = writing.then(() => setProgress(this.db, run.id, progress, stage, "running")).catch(() => {});
        };
        let stage: "load" | "compute" | "store" = "load";
        try {
          signal.throwIfAborted();
          await setProgress(this.db, run.id, 0, "load", "running");
          const chunks = await loadChunks(this.db, run, (n) => report((0.1 * n) / chunkCount, "load"));
          const p = run.params as unknown as RunParams;
          stage = "compute";
          const result = await clusterChunksInWorker(
            chunks,
            {
              k: p.k,
              autoK: { kMin: p.kMin, kMax: p.kMax },
              granularity: p.granularity,
              map: p.map ? { method: p.mapMethod } : false,
              seed: p.seed,
              excludeTerms: await participantNameWords(this.db, run.orgId, run.datasetId),
            },
            (fraction, stage) => report(0.1 + 0.85 * fraction, stage),
            { signal },
          );
          stage = "store";
          const representatives = await representativeMessages(
            this.db,
            run.orgId,
            result.clusters.flatMap((c) => c.representatives.map((r) => r.chunkId)),
          );
          await writing;
          await completeRun(this.db, run.id, toStoredResult(result, chunks, representatives));
          this.logger.info(`cluster run ${run.id}: ${chunks.length} chunks, k=${result.k}`);
        } catch (err) {
          await writing;
          // Never the error's message: a failed insert quotes the statement with the chat's text.
          const failure = describeRunFailure(err, stage, signal.aborted);
          this.logger.warn(`cluster run ${run.id} failed: ${failure.detail}`);
          await failRun(this.db, run.id, { code: failure.code, message: failure.message }).catch(() => {});
        }
      },
    },

    created(this: Service) {
      const self = this as ClusterService;
      self.queue = new JobQueue<RunJob>(
        (job, signal) => self.execute(job.run, job.chunkCount, signal),
        (job) => job.run.id,
      );
      self.starting = new OrgSlots();
    },

    async stopped(this: Service) {
      const self = this as ClusterService;
      // The running one is aborted (and marked interrupted by execute); the queued ones never start.
      const never = await self.queue.stop();
      const interrupted = describeRunFailure(undefined, "load", true);
      for (const job of never)
        await failRun(self.db, job.run.id, { code: interrupted.code, message: interrupted.message }).catch(() => {});
    },
  };
}
