import { readFile } from "node:fs/promises";
import path from "node:path";

export interface TfjsWeight {
  shape: number[];
  dtype: "float32" | "int32";
  /** Little-endian element bytes, a view into the concatenated shards (no copy). */
  bytes: Uint8Array;
}

interface WeightsManifest {
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
}

/**
 * Reads a TF.js graph model's weights (model.json + binary shards) into a name → tensor map.
 * The shards are one byte stream in manifest order; each weight takes product(shape) × 4 bytes.
 */
export async function readTfjsWeights(sourceDir: string): Promise<Map<string, TfjsWeight>> {
  const manifest = JSON.parse(await readFile(path.join(sourceDir, "model.json"), "utf8")) as WeightsManifest;
  const weights = new Map<string, TfjsWeight>();
  for (const group of manifest.weightsManifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(path.join(sourceDir, p))));
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      if (w.dtype !== "float32" && w.dtype !== "int32") {
        throw new Error(`unsupported TF.js weight dtype ${w.dtype} for ${w.name}`);
      }
      const byteLength = w.shape.reduce((a, b) => a * b, 1) * 4;
      weights.set(w.name, {
        shape: w.shape,
        dtype: w.dtype,
        bytes: new Uint8Array(buffer.buffer, buffer.byteOffset + offset, byteLength),
      });
      offset += byteLength;
    }
    if (offset !== buffer.length) {
      throw new Error(`TF.js weights manifest covers ${offset} bytes but the shards hold ${buffer.length}`);
    }
  }
  return weights;
}
