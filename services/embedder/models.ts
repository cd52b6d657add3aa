import { ClientError } from "../../core/errors.ts";
import type { Caller, EmbedderDeps } from "./deps.ts";
import { modelObject } from "./openai.ts";
import type { ModelInfo } from "./registry.ts";

/** The embedding models of this node and of the cluster, as clients see them; the device this node advertises. */

/** A model as clients see it: no server paths. */
export type PublicModel = Omit<ModelInfo, "path" | "onnxFile">;
export interface ModelNode {
  nodeID: string;
  gpu: boolean;
  loaded: boolean;
}

export interface LocalModels {
  nodeID: string;
  gpu: boolean;
  models: PublicModel[];
  loaded: string[];
}

const publicModel = ({ path: _p, onnxFile: _o, ...rest }: ModelInfo): PublicModel => rest;

/** This node's models, for listModels on any node to gather the cluster's view. */
export async function localModels(deps: EmbedderDeps): Promise<LocalModels> {
  return {
    nodeID: deps.node.nodeID,
    gpu: deps.node.advertised().gpu,
    models: (await deps.registry.list()).map(publicModel),
    loaded: deps.registry.loadedIds(),
  };
}

/** Every embedder node's models, merged by id, each with the nodes that serve it. */
export async function clusterModels(
  deps: EmbedderDeps,
  caller: Caller,
): Promise<(PublicModel & { nodes: ModelNode[] })[]> {
  const nodeIds = deps.node.availableNodes("embedder.localModels");
  const answers = await Promise.allSettled(
    nodeIds.map((nodeID) => caller.call<LocalModels>("embedder.localModels", {}, { nodeID, timeout: 10_000 })),
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
}

export async function listModels(deps: EmbedderDeps, caller: Caller) {
  return { items: await clusterModels(deps, caller) };
}

export async function getModel(deps: EmbedderDeps, caller: Caller, p: { id: string }) {
  const found = (await clusterModels(deps, caller)).find((m) => m.id === p.id);
  if (!found) throw new ClientError("MODEL_NOT_FOUND", `Model ${p.id} not found`);
  return found;
}

export async function openaiListModels(deps: EmbedderDeps, caller: Caller) {
  return { object: "list", data: (await clusterModels(deps, caller)).map(modelObject) };
}

export async function openaiGetModel(deps: EmbedderDeps, caller: Caller, p: { id: string }) {
  const found = (await clusterModels(deps, caller)).find((m) => m.id === p.id);
  if (!found) throw new ClientError("MODEL_NOT_FOUND", `The model '${p.id}' does not exist`);
  return modelObject(found);
}

/**
 * Once a model is loaded the device is known: a node that claimed a GPU from
 * EMBEDDER_DEVICE=cuda but fell back to CPU stops advertising one (EMBEDDER_GPU, when set, is
 * the operator's word and stays).
 */
export async function settleDevice(deps: EmbedderDeps, modelId: string): Promise<void> {
  const device = (await deps.registry.load(modelId)).device;
  // EMBEDDER_GPU, when set, is the operator's word for `gpu`; `device` is always the truth.
  const gpu = deps.config.EMBEDDER_GPU ?? device !== "cpu";
  const now = deps.node.advertised();
  if (now.gpu === gpu && now.device === device) return;
  await deps.node.advertise(gpu, device);
  deps.logger.info(`embedder: node now advertises gpu=${gpu} device=${device}`);
}
