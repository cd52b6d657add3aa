import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { DataType } from "../../../services/embedder/use-lite/onnx-schema.ts";
import { float32Tensor, GraphBuilder } from "../../../services/embedder/use-lite/graph-builder.ts";

export const TINY_DIM = 8;
export const TINY_VOCAB = 8002;

/** Deterministic embedding table so tests can recompute the expected mean pooling. */
export function tinyTable(): Float32Array {
  const t = new Float32Array(TINY_VOCAB * TINY_DIM);
  for (let i = 0; i < t.length; i++) t[i] = Math.sin(i * 12.9898) * 0.5;
  return t;
}

/**
 * A model whose only output is last_hidden_state (token embeddings looked up from a table),
 * to exercise mean pooling and Matryoshka truncation; it borrows USE-lite's tokenizer.
 */
export async function writeTinyModel(
  dir: string,
  tokenizerFrom: string,
  metadata: Record<string, unknown>,
  /** Another name makes a model the runtime must refuse. */
  outputName = "last_hidden_state",
): Promise<void> {
  const b = new GraphBuilder();
  b.namedNode("Gather", [b.constant(float32Tensor(tinyTable(), [TINY_VOCAB, TINY_DIM])), "input_ids"], outputName, {
    axis: 0,
  });
  const onnx = b.encode({
    graphName: "tiny",
    inputs: [
      { name: "input_ids", elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] },
      { name: "attention_mask", elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] },
    ],
    outputs: [{ name: outputName, elemType: DataType.FLOAT, shape: ["batch_size", "sequence_length", TINY_DIM] }],
    opsetVersion: 13,
    irVersion: 7,
    producerName: "chatlens-test",
  });
  await mkdir(path.join(dir, "onnx"), { recursive: true });
  await writeFile(path.join(dir, "onnx", "model_quantized.onnx"), onnx);
  for (const f of ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]) {
    await copyFile(path.join(tokenizerFrom, f), path.join(dir, f));
  }
  await writeFile(
    path.join(dir, "config.json"),
    JSON.stringify({ model_type: "bert", hidden_size: TINY_DIM, max_position_embeddings: 64 }),
  );
  await writeFile(path.join(dir, "chatlens.json"), JSON.stringify(metadata));
}
