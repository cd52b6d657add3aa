import { Errors, Strategies, type Endpoint, type ServiceBroker } from "moleculer";
import type { Config } from "../../config/index.ts";
import { actionEndpoints } from "../../core/registry.ts";
import { base64ToFloat32 } from "../../lib/vector-codec.ts";

/**
 * Which embedder node runs a batch. Embedder nodes advertise `metadata.gpu`; batches go to GPU
 * nodes while one is available and to CPU nodes otherwise. Endpoints whose circuit breaker is
 * open are not available, so a failing node drops out of the choice until it recovers.
 */

export const EMBED_BATCH_ACTION = "embedder.embedBatch";
export const GPU_STRATEGY = "GpuFirst";

/** The subset of Moleculer's endpoint this module reads. */
export interface EndpointLike {
  id: string;
  local: boolean;
  isAvailable: boolean;
  node: { id?: string; metadata?: Record<string, unknown> | null };
}

/**
 * What an embedder node advertises: set at start from config (a GPU device is claimed, `auto`
 * claims none), corrected to the device actually in use once the model has loaded.
 */
export function embedderNodeMetadata(config: Pick<Config, "EMBEDDER_GPU" | "EMBEDDER_DEVICE">): {
  gpu: boolean;
  device: string;
} {
  const claimed = config.EMBEDDER_DEVICE === "auto" ? "cpu" : config.EMBEDDER_DEVICE;
  return { gpu: config.EMBEDDER_GPU ?? claimed !== "cpu", device: claimed };
}

export const isGpuEndpoint = (ep: EndpointLike) => ep.node.metadata?.gpu === true;

/**
 * Picks among available endpoints: the GPU tier when it has any, else every endpoint; within
 * the tier the local endpoint (no transfer of texts and vectors), else round-robin by `turn`.
 */
export function pickEndpoint<T extends EndpointLike>(endpoints: readonly T[], turn: number): T | null {
  const available = endpoints.filter((ep) => ep.isAvailable);
  const gpu = available.filter(isGpuEndpoint);
  const tier = gpu.length > 0 ? gpu : available;
  if (tier.length === 0) return null;
  return tier.find((ep) => ep.local) ?? tier[turn % tier.length]!;
}

/** The Moleculer strategy form, declared on embedBatch (used whenever the caller has no local endpoint). */
export class GpuFirstStrategy extends Strategies.Base {
  private turn = 0;

  override select(list: Endpoint[]): Endpoint {
    const picked = pickEndpoint(list, this.turn++);
    // Moleculer only asks with a non-empty list of available endpoints, and refuses a null answer with this same error.
    if (!picked)
      throw new Errors.MoleculerServerError("Strategy returned an invalid endpoint.", 500, "INVALID_ENDPOINT", {
        strategy: GPU_STRATEGY,
      });
    return picked;
  }
}

/**
 * Every node must know the strategy by name: a node builds the endpoint list of a remote
 * action (with that action's strategy) as soon as it hears of it, whether it calls it or not.
 */
export function registerGpuStrategy(): void {
  Strategies.register(GPU_STRATEGY, GpuFirstStrategy);
}

/**
 * Caller-side routing for embedBatch. The broker's `preferLocal` answers with the local
 * endpoint before any strategy runs, so a CPU embedder node would never hand work to a GPU
 * node; callers in the embedder service choose the node here (same rule as the strategy) and
 * call it by nodeID, skipping nodes that already failed this batch.
 */
export class EmbedRouter {
  private turn = 0;

  constructor(private readonly broker: ServiceBroker) {}

  next(exclude: ReadonlySet<string>): string | null {
    const list = actionEndpoints(this.broker, EMBED_BATCH_ACTION);
    if (!list) return null;
    const candidates = list.endpoints.filter((ep) => !exclude.has(ep.id));
    return pickEndpoint(candidates, this.turn++)?.id ?? null;
  }
}

/** What embedBatch answers: vectors as base64 little-endian float32 (compact over the transporter). */
export interface EmbedBatchResult {
  data: string;
  dimension: number;
  tokenCounts: number[];
  nodeID: string;
}

/**
 * Runs embedBatch on the node the GPU-first rule picks, moving on to the next node when one fails
 * with a server fault (a caller fault would fail the same way everywhere). `call`: the caller's
 * (a request's context) or this node's.
 */
export async function embedOnNodes(
  router: EmbedRouter,
  call: (action: string, params: object, options: { nodeID: string; retries: number }) => Promise<unknown>,
  logger: { warn(...args: unknown[]): void },
  request: { modelId: string; texts: string[]; dimensions?: number },
): Promise<{ vectors: Float32Array[]; tokenCounts: number[] }> {
  const { modelId, texts, dimensions } = request;
  const failed = new Set<string>();
  let lastError: unknown;
  for (;;) {
    const nodeID = router.next(failed);
    if (!nodeID) throw lastError ?? new Errors.ServiceNotAvailableError({ action: EMBED_BATCH_ACTION });
    const params = { modelId, texts, ...(dimensions === undefined ? {} : { dimensions }) };
    try {
      // No broker retries: pinned to one node they would only wait; this loop tries the next node instead.
      const r = (await call(EMBED_BATCH_ACTION, params, { nodeID, retries: 0 })) as EmbedBatchResult;
      const data = base64ToFloat32(r.data);
      return {
        vectors: texts.map((_, i) => data.subarray(i * r.dimension, (i + 1) * r.dimension)),
        tokenCounts: r.tokenCounts,
      };
    } catch (err) {
      if (err instanceof Errors.MoleculerClientError) throw err;
      logger.warn(`embedder: batch failed on ${nodeID} (${(err as Error).message}); trying another node`);
      failed.add(nodeID);
      lastError = err;
    }
  }
}
