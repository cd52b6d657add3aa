import type { Config } from "../../config/index.ts";
import type { CallMeta } from "../../core/permissions.ts";
import type { Db } from "../../models/db.ts";
import type { Logger as CoreLogger } from "../../core/logger.ts";

export type Logger = Pick<CoreLogger, "info" | "warn">;

/**
 * What the cluster use cases need, passed in explicitly: run-jobs.ts and run-views.ts import
 * neither Moleculer nor the service, so they run the same from a handler, a test or a script.
 */
export interface ClusterDeps {
  db: Db;
  config: Pick<Config, "CLUSTER_MAX_QUEUED_PER_ORG">;
  /** Milliseconds since the epoch (`Date.now` outside tests). */
  clock: () => number;
  logger: Logger;
}

/** Who calls: the call's meta (a Moleculer context fits). */
export interface Caller {
  meta: CallMeta;
}
