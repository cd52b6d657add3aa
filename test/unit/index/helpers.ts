import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { VectorEntry } from "../../../services/index/vector-index.ts";

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `chatlens-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function entries(vectors: Float32Array, dim: number, prefix = "c", offset = 0): VectorEntry[] {
  const out: VectorEntry[] = [];
  for (let i = 0; i < vectors.length / dim; i++) {
    out.push({ chunkId: `${prefix}${offset + i}`, vector: vectors.subarray(i * dim, (i + 1) * dim) });
  }
  return out;
}
