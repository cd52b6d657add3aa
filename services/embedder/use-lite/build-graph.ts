import { DataType } from "./onnx-schema.ts";
import { float32Tensor, GraphBuilder, int64Tensor, type TensorData } from "./graph-builder.ts";
import type { TfjsWeight } from "./tfjs-weights.ts";

export interface UseLiteBuildOptions {
  /** Dynamically quantised dense layers (int8 weights, uint8 activations); default fp32. */
  int8?: boolean;
  /**
   * Bits of each quantised weight, 7 or 8. 7 (onnxruntime's reduce_range) keeps x86 CPUs without
   * VNNI exact: their uint8 × int8 kernel adds pairs of products in 16 bits, which 8-bit weights
   * can overflow.
   */
  weightBits?: 7 | 8;
}

/** A float32 [K, N] kernel as symmetric int8 per output column: q = round(w / scale), zero point 0. */
export function quantizeColumns(
  kernel: TensorData,
  bits: 7 | 8,
): { weights: TensorData; scales: TensorData; zeros: TensorData } {
  const [K, N] = kernel.dims as [number, number];
  if (kernel.dataType !== DataType.FLOAT || kernel.dims.length !== 2)
    throw new Error("quantizeColumns: a float32 [K, N] kernel expected");
  const w = new Float32Array(kernel.bytes.slice().buffer);
  const limit = bits === 8 ? 127 : 63;
  const scales = new Float32Array(N);
  for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) scales[j] = Math.max(scales[j]!, Math.abs(w[k * N + j]!));
  for (let j = 0; j < N; j++) scales[j] = scales[j]! > 0 ? scales[j]! / limit : 1;
  const q = new Int8Array(K * N);
  for (let k = 0; k < K; k++)
    for (let j = 0; j < N; j++)
      q[k * N + j] = Math.max(-limit, Math.min(limit, Math.round(w[k * N + j]! / scales[j]!)));
  return {
    weights: { dataType: DataType.INT8, dims: [K, N], bytes: new Uint8Array(q.buffer) },
    scales: float32Tensor(scales, [N]),
    zeros: { dataType: DataType.INT8, dims: [N], bytes: new Uint8Array(N) },
  };
}

const ROOT = "module_apply_default/Encoder_en/KonaTransformer/Encode/";
const KERNEL_ROOT = "module/Encoder_en/KonaTransformer/Encode/";
export const USE_LITE_DIMENSION = 512;

/**
 * Wires the Universal Sentence Encoder lite transformer as an ONNX graph with a Hugging Face
 * encoder interface (input_ids/attention_mask [B,S] int64 → sentence_embedding [B,512],
 * last_hidden_state [B,S,512]). It is a node-for-node port of the reference
 * conversion/build_onnx.py: same ops, same order, same names, the pretrained weights copied
 * bit for bit. Returns the serialised ModelProto.
 *
 * With `int8`, every dense layer (the MatMul of a weight) is dynamically quantised the way
 * onnxruntime's own quantize_dynamic writes it, so its graph optimiser fuses each into one
 * DynamicQuantizeMatMul: weights int8 per output column, activations uint8 per call.
 */
export function buildUseLiteOnnx(weights: Map<string, TfjsWeight>, options: UseLiteBuildOptions = {}): Uint8Array {
  const b = new GraphBuilder();
  const weight = (name: string): TfjsWeight => {
    const w = weights.get(name);
    if (!w) throw new Error(`USE-lite weight missing: ${name}`);
    return w;
  };
  // A weight as an initializer; `dims` drops leading singleton axes (the [1,1,in,out] conv kernels).
  const W = (name: string, dims?: number[]): TensorData => {
    const w = weight(name);
    return { dataType: w.dtype === "float32" ? DataType.FLOAT : DataType.INT32, dims: dims ?? w.shape, bytes: w.bytes };
  };
  const layer = (i: number, suffix: string) => W(`${ROOT}Layer_${i}/TransformerLayer/${suffix}`);
  const stack = (i: number, suffix: string) => W(`${ROOT}TransformerStack/Layer_${i}/TransformerLayer/${suffix}`);
  const init = (t: TensorData, prefix?: string) => b.constant(t, prefix);
  const f32 = (v: number) => float32Tensor([v], []);
  const i64 = (v: number) => int64Tensor([v], []);
  const i64s = (v: number[]) => int64Tensor(v, [v.length]);
  const n = b.node.bind(b);

  const ids = "input_ids";
  const am = "attention_mask";
  const maskf = n("Cast", [am], { to: DataType.FLOAT });
  const mask3 = n("Unsqueeze", [maskf, init(i64s([2]))]);
  // Token embeddings, zeroed at padded positions.
  let emb = n("Gather", [init(W("module/Embeddings_en"), "emb"), ids], { axis: 0 });
  emb = n("Mul", [emb, mask3]);
  // Sinusoidal timing signal for positions 0..S-1.
  const shp = n("Shape", [ids]);
  const S = n("Gather", [shp, init(i64(1))], { axis: 0 });
  const pos = n("Cast", [n("Range", [init(i64(0)), S, init(i64(1))])], { to: DataType.FLOAT });
  const pos2 = n("Unsqueeze", [pos, init(i64s([1]))]);
  const inv = init(W(`${ROOT}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`));
  const st = n("Mul", [pos2, inv]);
  let timing = n("Concat", [n("Sin", [st]), n("Cos", [st])], { axis: 1 });
  timing = n("Mul", [n("Unsqueeze", [timing, init(i64s([0]))]), mask3]);
  // The TF graph adds the dense embedding to a scatter of itself plus the timing signal.
  const x = n("Add", [n("Add", [emb, emb]), timing]);

  const layerNorm = (input: string, scale: TensorData, bias: TensorData) => {
    const mu = n("ReduceMean", [input], { axes: [-1], keepdims: 1 });
    const d = n("Sub", [input, mu]);
    const variance = n("ReduceMean", [n("Mul", [d, d])], { axes: [-1], keepdims: 1 });
    const r = n("Reciprocal", [n("Sqrt", [n("Add", [variance, init(f32(1e-6))])])]);
    return n("Add", [n("Mul", [n("Mul", [init(scale), r]), d]), init(bias)]);
  };
  const matmul = (input: string, kernel: TensorData): string => {
    if (!options.int8) return n("MatMul", [input, init(kernel)]);
    const q = quantizeColumns(kernel, options.weightBits ?? 7);
    const [xq, xScale, xZero] = b.nodeMulti("DynamicQuantizeLinear", [input], 3);
    const product = n("MatMulInteger", [xq!, init(q.weights, "wq"), xZero!, init(q.zeros, "wzp")]);
    return n("Mul", [n("Cast", [product], { to: DataType.FLOAT }), n("Mul", [xScale!, init(q.scales, "ws")])]);
  };
  const linear = (input: string, kernel: TensorData, bias: TensorData) => n("Add", [matmul(input, kernel), init(bias)]);

  // Attention bias [B,1,1,S]: -1e9 where the mask is 0.
  let ab = n("Mul", [n("Sub", [init(f32(1.0)), maskf]), init(f32(-1e9))]);
  ab = n("Unsqueeze", [ab, init(i64s([1, 2]))]);

  const attention = (hn: string, i: number, dm: number, heads: number, hd: number, scale: TensorData) => {
    const mha = `${KERNEL_ROOT}Layer_${i}/TransformerLayer/MultiheadAttention/`;
    const qkv = linear(
      hn,
      W(`${mha}qkv_transform_single/kernel/part_0`, [dm, 3 * dm]),
      layer(i, "MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat"),
    );
    const [q0, k0, v0] = b.nodeMulti("Split", [qkv, init(i64s([dm, dm, dm]))], 3, { axis: 2 });
    const splitHeads = (t: string) =>
      n("Transpose", [n("Reshape", [t, init(i64s([0, 0, heads, hd]))])], { perm: [0, 2, 1, 3] });
    const q = n("Mul", [splitHeads(q0!), init(scale)]);
    const k = splitHeads(k0!);
    const v = splitHeads(v0!);
    const scores = n("Add", [n("MatMul", [q, n("Transpose", [k], { perm: [0, 1, 3, 2] })]), ab]);
    const probs = n("Softmax", [scores], { axis: -1 });
    let ctx = n("Transpose", [n("MatMul", [probs, v])], { perm: [0, 2, 1, 3] });
    ctx = n("Reshape", [ctx, init(i64s([0, 0, heads * hd]))]);
    return linear(
      ctx,
      W(`${mha}output_transform_single/kernel/part_0`, [dm, USE_LITE_DIMENSION]),
      layer(i, "MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat"),
    );
  };

  const feedForward = (y: string, i: number) => {
    let f = layerNorm(
      y,
      layer(i, "FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"),
      layer(i, "FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"),
    );
    const w1 = stack(i, "FFN/conv1/Tensordot/Reshape_1");
    const w2 = stack(i, "FFN/conv2/Tensordot/Reshape_1");
    f = n("Relu", [linear(f, w1, layer(i, "FFN/conv1/bias/ConcatPartitions/concat"))]);
    f = n("Mul", [linear(f, w2, layer(i, "FFN/conv2/bias/ConcatPartitions/concat")), mask3]);
    return n("Add", [f, y]);
  };

  // Layer 0 widens 256 → 512; its residual goes through a dense projection.
  let hn = layerNorm(
    x,
    layer(0, "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"),
    layer(0, "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"),
  );
  let att = attention(hn, 0, 256, 4, 64, stack(0, "MultiheadAttention/mul/y"));
  const res = n("Mul", [
    linear(x, layer(0, "dense/kernel/ConcatPartitions/concat"), layer(0, "dense/bias/ConcatPartitions/concat")),
    mask3,
  ]);
  let y = feedForward(n("Add", [att, res]), 0);
  hn = layerNorm(
    y,
    layer(1, "layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat"),
    layer(1, "layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat"),
  );
  att = attention(hn, 1, 512, 4, 128, stack(1, "MultiheadAttention/mul/y"));
  y = feedForward(n("Add", [att, y]), 1);

  // Masked mean over valid tokens, tanh layer, L2 normalisation.
  let s = n("ReduceSum", [n("Mul", [y, mask3]), init(i64s([1]))], { keepdims: 0 });
  const count = n("Max", [n("ReduceSum", [maskf, init(i64s([1]))], { keepdims: 1 }), init(f32(1.0))]);
  s = n("Div", [s, count]);
  const t = n("Tanh", [
    linear(
      s,
      W("module/Encoder_en/hidden_layers/tanh_layer_0/weights"),
      W("module/Encoder_en/hidden_layers/tanh_layer_0/bias"),
    ),
  ]);
  const ss = n("Max", [n("ReduceSum", [n("Mul", [t, t]), init(i64s([1]))], { keepdims: 1 }), init(f32(1e-12))]);
  b.namedNode("Mul", [t, n("Reciprocal", [n("Sqrt", [ss])])], "sentence_embedding");
  // last_hidden_state broadcasts the sentence vector over S so mean/cls pooling returns it.
  const B = n("Gather", [shp, init(i64(0))], { axis: 0 });
  const outShape = n(
    "Concat",
    [n("Unsqueeze", [B, init(i64s([0]))]), n("Unsqueeze", [S, init(i64s([0]))]), init(i64s([USE_LITE_DIMENSION]))],
    { axis: 0 },
  );
  b.namedNode("Expand", [n("Unsqueeze", ["sentence_embedding", init(i64s([1]))]), outShape], "last_hidden_state");

  return b.encode({
    graphName: "universal_sentence_encoder_lite",
    inputs: [
      { name: ids, elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] },
      { name: am, elemType: DataType.INT64, shape: ["batch_size", "sequence_length"] },
    ],
    outputs: [
      {
        name: "last_hidden_state",
        elemType: DataType.FLOAT,
        shape: ["batch_size", "sequence_length", USE_LITE_DIMENSION],
      },
      { name: "sentence_embedding", elemType: DataType.FLOAT, shape: ["batch_size", USE_LITE_DIMENSION] },
    ],
    opsetVersion: 13,
    irVersion: 7,
    producerName: "use-lite-tfjs-to-onnx",
  });
}
