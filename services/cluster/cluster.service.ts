import type { ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction } from "../../core/define-action.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import * as C from "./contracts.ts";
import type { ClusterDeps } from "./deps.ts";
import { RunJobs } from "./run-jobs.ts";
import * as views from "./run-views.ts";

/**
 * Topic clustering runs of a dataset, started as jobs (progress in the cluster_runs row),
 * computed on a worker thread, stored with the vector-set version they saw, compared: the
 * wiring. Contracts (params, guards, answers) are in contracts.ts, starting and running runs in
 * run-jobs.ts, reading them in run-views.ts, the HTTP paths in routes.ts.
 */
export default function createClusterService(app: AppContext): ServiceSchema {
  let deps: ClusterDeps;
  let jobs: RunJobs;

  return {
    name: "cluster",
    mixins: [tenantMixin()],

    actions: {
      startRun: defineAction(C.startRun, async (ctx) => {
        const run = await jobs.start(ctx, ctx.params);
        ctx.meta.$location = `/api/datasets/${run.datasetId}/clusters/runs/${run.id}`;
        return run;
      }),

      listRuns: defineAction(C.listRuns, (ctx) => views.listRuns(deps.db, ctx, ctx.params)),
      getRun: defineAction(C.getRun, (ctx) => views.getRun(deps.db, ctx, ctx.params)),
      getMap: defineAction(C.getMap, (ctx) => views.getMap(deps.db, ctx, ctx.params)),

      exportRun: defineAction(C.exportRun, async (ctx) => {
        const answer = await views.exportRun(deps.db, ctx, ctx.params);
        if (answer.format === "json") return answer.data;
        ctx.meta.$responseType = "text/csv; charset=utf-8";
        ctx.meta.$responseHeaders = { "Content-Disposition": `attachment; filename="${answer.filename}"` };
        return answer.csv;
      }),

      locateChunk: defineAction(C.locateChunk, (ctx) => views.locateChunk(deps.db, ctx, ctx.params)),
      compareRuns: defineAction(C.compareRuns, (ctx) => views.compareRuns(deps.db, ctx, ctx.params)),
      latestTopics: defineAction(C.latestTopics, (ctx) => views.latestTopics(deps.db, ctx.params)),
    },

    async started() {
      deps = { db: (await app.database()).db, config: app.config, clock: Date.now, logger: this.logger };
      jobs = new RunJobs(deps);
    },

    async stopped() {
      // Undefined when the service stopped before it started (its database never opened).
      await jobs?.stop();
    },
  };
}
