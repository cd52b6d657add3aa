import type { OperatorCommand } from "../../core/operator.ts";

/**
 * Operator commands of the index service. They call the same actions as the HTTP API with
 * `meta.system` and no org: the index service then acts on the dataset of whichever org owns it,
 * on the node that owns the dataset's index (actions are sharded on the dataset id).
 */
const system = { meta: { system: true } };

export const INDEX_COMMANDS: OperatorCommand[] = [
  {
    service: "index",
    command: "index:status <datasetId>",
    description: "A dataset's index: owner node, size, latest and pinned version, chunks waiting for a vector",
    run: (broker, a) => broker.call("index.status", { datasetId: a.datasetId }, system),
  },
  {
    service: "index",
    command: "index:versions <datasetId>",
    description: "The index versions kept for a dataset (newest first)",
    run: (broker, a) => broker.call("index.listVersions", { datasetId: a.datasetId }, system),
  },
  {
    service: "index",
    command: "index:reindex <datasetId>",
    description: "Rebuild a dataset's index from the vectors stored in the database, as a new version",
    run: (broker, a) => broker.call("index.rebuild", { datasetId: a.datasetId }, system),
  },
  {
    service: "index",
    command: "index:pin <datasetId> <version>",
    description: "Make searches of a dataset use this index version (kept by retention) until unpinned",
    run: (broker, a) => broker.call("index.pinVersion", { datasetId: a.datasetId, version: Number(a.version) }, system),
  },
  {
    service: "index",
    command: "index:unpin <datasetId>",
    description: "Searches of a dataset use its latest index version again",
    run: (broker, a) => broker.call("index.unpinVersion", { datasetId: a.datasetId }, system),
  },
];
