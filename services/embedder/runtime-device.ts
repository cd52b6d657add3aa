// Which onnxruntime execution provider a model session runs on (EMBEDDER_DEVICE). A module of its
// own so that tests can drive it without starting a worker thread.
import * as ort from "onnxruntime-node";
import type { Device, DeviceChoice } from "./runtime-spec.ts";

/** The GPU providers `auto` tries, best first; CPU is always last. */
const GPU_ORDER: Device[] = ["cuda", "webgpu"];

function providers(device: Device): ort.InferenceSession.SessionOptions["executionProviders"] {
  // CPU stays in the list: onnxruntime places the few operators a GPU provider lacks on it.
  if (device === "cuda") return [{ name: "cuda", deviceId: 0 }, "cpu"];
  if (device === "webgpu") return ["webgpu", "cpu"];
  return ["cpu"];
}

/**
 * Opens the session on the requested device: `cuda` or `webgpu` that one, `auto` the first GPU
 * provider that loads. A GPU provider that cannot load (no library, no adapter) throws instead
 * of falling back inside onnxruntime, so each is tried and the session falls back to CPU with one
 * line saying what was tried and why it failed.
 */
export async function openSession(
  file: string,
  base: ort.InferenceSession.SessionOptions,
  requested: DeviceChoice | undefined,
  modelId: string,
  warnings: string[],
  create: (file: string, options: ort.InferenceSession.SessionOptions) => Promise<ort.InferenceSession> = (f, o) =>
    ort.InferenceSession.create(f, o),
): Promise<{ session: ort.InferenceSession; device: Device }> {
  const tries = requested === "auto" ? GPU_ORDER : requested && requested !== "cpu" ? [requested] : [];
  const failures: string[] = [];
  for (const device of tries) {
    try {
      return { session: await create(file, { ...base, executionProviders: providers(device) }), device };
    } catch (err) {
      failures.push(`${device}: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (failures.length > 0)
    warnings.push(
      `embedder: EMBEDDER_DEVICE=${requested} could not load for ${modelId} (${failures.join("; ")}); running on CPU`,
    );
  return { session: await create(file, { ...base, executionProviders: providers("cpu") }), device: "cpu" };
}
