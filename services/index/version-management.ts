import { ClientError } from "../../core/errors.ts";
import { findOwned } from "../../mixins/tenant.mixin.ts";
import { datasets } from "../../models/schema.ts";
import { NO_RETRY, type ManageOp } from "./contracts.ts";
import { datasetById, pinnedVersionOf } from "./dataset-rows.ts";
import type { Caller, IndexDeps } from "./deps.ts";
import { callOwner } from "./owner-routing.ts";
import { allVectors, pendingChunks } from "./search-sql.ts";
import { VersionNotFoundError } from "./versions.ts";
import { ensureIndex, keyOf } from "./vector-search.ts";

/**
 * A dataset's index versions: status, list, compare, pin, unpin, rollback, rebuild. The
 * published actions check the dataset is the caller's (`manageDataset`), then the node owning
 * the index does the work (`manage`).
 */

export interface ManageParams {
  orgId: string;
  datasetId: string;
  modelId: string;
  op: ManageOp;
  version?: number;
  to?: number;
}

/** A published version action: the dataset must be the caller's (404 otherwise), then the owner does it. */
export async function manageDataset(
  deps: Pick<IndexDeps, "db" | "logger" | "node">,
  caller: Caller,
  datasetId: string,
  op: ManageOp,
  extra: { version?: number; to?: number } = {},
): Promise<unknown> {
  // Operator commands (meta.system, no org) act on the dataset by id, whichever org owns it.
  const dataset =
    caller.meta.system && !caller.meta.auth
      ? await datasetById(deps.db, datasetId)
      : await findOwned(deps.db, caller, datasets, datasetId, "Dataset");
  if (!dataset) throw new ClientError("NOT_FOUND", "Dataset not found");
  if (op === "rollback" || op === "pin" || op === "unpin" || op === "rebuild")
    deps.logger.info(`index: ${op} of dataset ${dataset.id} by ${caller.meta.auth?.userId ?? "system"}`);
  // A rollback or rebuild makes a version each time it runs: never re-run blindly after a timeout.
  const once = op === "rollback" || op === "rebuild" ? NO_RETRY : {};
  return callOwner(
    deps.node,
    caller,
    "index.manage",
    { orgId: dataset.orgId, datasetId: dataset.id, modelId: dataset.modelId, op, ...extra },
    once,
  );
}

/** `index.manage` on the owner node; a version it does not have answers 404. */
export async function manage(deps: IndexDeps, p: ManageParams): Promise<unknown> {
  try {
    return await manageOnOwner(deps, p);
  } catch (err) {
    if (err instanceof VersionNotFoundError) throw new ClientError("NOT_FOUND", "Index version not found");
    throw err;
  }
}

async function manageOnOwner(deps: IndexDeps, p: ManageParams) {
  const { db, store } = deps;
  const key = keyOf(p.datasetId, p.modelId);
  const need = (v: number | undefined) => {
    if (v === undefined)
      throw new ClientError("VALIDATION_ERROR", "version is required", [{ field: "version", type: "required" }]);
    return v;
  };
  switch (p.op) {
    case "status": {
      const held = await ensureIndex(deps, key);
      const row = await pinnedVersionOf(db, p.datasetId);
      const versions = held ? await store.versions.list(key) : [];
      return {
        datasetId: p.datasetId,
        modelId: p.modelId,
        nodeID: deps.node.nodeID,
        index: held ? await store.describe(key) : null,
        latestVersion: versions[0]?.version ?? null,
        pinnedVersion: row?.pinnedVersion ? Number(row.pinnedVersion) : null,
        pendingChunks: await pendingChunks(db, key),
      };
    }
    case "list": {
      const items = await store.versions.list(key);
      return { items: items.map(({ commit: _c, ...v }) => v) };
    }
    case "compare":
      return store.versions.compare(key, need(p.version), need(p.to));
    case "pin": {
      const v = need(p.version);
      await store.versions.get(key, v);
      const row = await pinnedVersionOf(db, p.datasetId);
      if (row?.pinnedVersion && Number(row.pinnedVersion) !== v)
        await store.versions.unpin(key, Number(row.pinnedVersion));
      await store.versions.pin(key, v);
      await recordPin(deps, p.datasetId, v);
      await forgetEverywhere(deps, p.datasetId);
      return { datasetId: p.datasetId, pinnedVersion: v };
    }
    case "unpin": {
      const row = await pinnedVersionOf(db, p.datasetId);
      if (row?.pinnedVersion) await store.versions.unpin(key, Number(row.pinnedVersion));
      await recordPin(deps, p.datasetId, null);
      await forgetEverywhere(deps, p.datasetId);
      await store.versions.applyRetention(key);
      return { datasetId: p.datasetId, pinnedVersion: null };
    }
    case "rollback": {
      const info = await store.rollback(key, need(p.version));
      deps.ownership.setByOwner(key);
      return { version: info.version, restoredFrom: info.manifest.restoredFrom, manifest: info.manifest };
    }
    case "rebuild": {
      const first = await allVectors(db, key, 1).next();
      if (first.done)
        throw new ClientError("NOT_ENOUGH_DATA", "This dataset has no stored vectors to build an index from");
      const info = await store.rebuild(key, allVectors(db, key), first.value.vector.length);
      return { version: info.version, manifest: info.manifest };
    }
  }
}

/**
 * The dataset row is ingest's: it records the pin. Pinning is idempotent, so a failed call is
 * retried by pinning again (the store's tag is already set then).
 */
async function recordPin(deps: Pick<IndexDeps, "node">, datasetId: string, version: number | null): Promise<void> {
  await deps.node.call("ingest.setPinnedVersion", { datasetId, version });
}

/** Every index node forgets its cached row of the dataset, so the next search reads the new one. */
async function forgetEverywhere(deps: Pick<IndexDeps, "node">, datasetId: string): Promise<void> {
  const nodes = deps.node.endpointsOf("index.forgetDataset");
  await Promise.all(nodes.map((nodeID) => deps.node.call("index.forgetDataset", { datasetId }, { nodeID })));
}
