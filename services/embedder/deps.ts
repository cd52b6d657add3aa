import type { CallAction } from "../../core/calls.ts";
import type { Config } from "../../config/index.ts";
import type { EmbedDevice } from "../../core/metrics.ts";
import type { Db } from "../../models/db.ts";
import type { ChunkingConfig } from "./chunking.ts";
import type { EmbedRouter } from "./node-routing.ts";
import type { ModelRegistry } from "./registry.ts";
import type { RequeuePolicy } from "./requeue.ts";
import type { Logger as CoreLogger } from "../../core/logger.ts";

export type Logger = Pick<CoreLogger, "info" | "warn" | "error">;

export type { CallAction, CallOptions, Caller } from "../../core/calls.ts";

/** What the use cases ask of this node's broker. */
export interface EmbedderNode {
  readonly nodeID: string;
  /** Calls an action as this node (no caller: a job, the sweep). */
  call: CallAction;
  /** Publishes to a durable channel (chunk requests, embed jobs). */
  publish(channel: string, payload: unknown): Promise<void>;
  emit(event: string, payload: object): void;
  /** Ids of the nodes where an action is available now. */
  availableNodes(action: string): string[];
  /** What this node advertises to the others: whether it has a GPU, and its device. */
  advertised(): { gpu: boolean; device: unknown };
  /** Advertises a new gpu/device pair to the other nodes. */
  advertise(gpu: boolean, device: EmbedDevice): Promise<void>;
  recordEmbedBatch(batch: { model: string; device: EmbedDevice; chunks: number; seconds: number }): void;
  setEmbedBacklog(backlog: { model: string; chunks: number }): void;
}

/**
 * What the embedder use cases need, passed in explicitly: models.ts, embedding.ts and
 * embed-work.ts take the database, the configuration, this node's model registry and what they
 * ask of the broker (`node`), so they run the same from a handler, a test or a script.
 */
export interface EmbedderDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Milliseconds since the epoch (`Date.now` outside tests). */
  clock: () => number;
  registry: ModelRegistry;
  router: EmbedRouter;
  requeue: RequeuePolicy;
  chunkingConfig: ChunkingConfig;
  node: EmbedderNode;
}
