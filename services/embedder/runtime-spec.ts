// What the model runtime (runtime.ts), its worker thread (runtime-worker.ts) and the device
// choice (runtime-device.ts) all speak of; a module of its own so that none imports another back.

/** Where a model runs. */
export type Device = "cpu" | "cuda" | "webgpu";
/** What EMBEDDER_DEVICE asks for: a device, or `auto` (the best GPU provider that loads, else CPU). */
export type DeviceChoice = Device | "auto";

/** What the runtime needs to know about a model folder (a subset of the registry's ModelInfo). */
export interface RuntimeModelSpec {
  id: string;
  /** Folder in Hugging Face layout. */
  path: string;
  /** ONNX file, relative to `path`. */
  onnxFile: string;
  dimension: number;
  maxTokens: number;
  /** Whether `dimensions` (Matryoshka truncation) is allowed. */
  matryoshka: boolean;
}
