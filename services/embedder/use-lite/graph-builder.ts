import { AttributeType, DataType, ModelProto } from "./onnx-schema.ts";

/** A constant tensor: little-endian bytes plus shape, stored as an ONNX initializer. */
export interface TensorData {
  dataType: number;
  dims: number[];
  bytes: Uint8Array;
}

type Attributes = Record<string, number | number[]>;

interface NodeSpec {
  opType: string;
  input: string[];
  output: string[];
  attribute: { name: string; type: number; i?: number; ints?: number[] }[];
}

export interface ValueInfo {
  name: string;
  elemType: number;
  /** Symbolic dimensions are strings (dim_param), fixed ones numbers (dim_value). */
  shape: (string | number)[];
}

export function float32Tensor(values: number[] | Float32Array, dims: number[]): TensorData {
  const arr = values instanceof Float32Array ? values : Float32Array.from(values);
  return { dataType: DataType.FLOAT, dims, bytes: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

export function int64Tensor(values: number[], dims: number[]): TensorData {
  const arr = BigInt64Array.from(values, (v) => BigInt(v));
  return { dataType: DataType.INT64, dims, bytes: new Uint8Array(arr.buffer) };
}

/**
 * Builds an ONNX graph node by node. Value names are `<prefix>_<counter>` with one counter
 * shared by nodes and initializers, the naming of the Python reference, so that the same
 * wiring order yields the same file.
 */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: { name: string; tensor: TensorData }[] = [];
  private counter = 0;

  private nextName(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${this.counter}`;
  }

  constant(tensor: TensorData, prefix = "w"): string {
    const name = this.nextName(prefix);
    this.initializers.push({ name, tensor });
    return name;
  }

  node(opType: string, input: string[], attrs: Attributes = {}): string {
    const [output] = this.nodeMulti(opType, input, 1, attrs);
    return output!;
  }

  nodeMulti(opType: string, input: string[], outputs: number, attrs: Attributes = {}): string[] {
    const output = Array.from({ length: outputs }, () => this.nextName(opType));
    this.push(opType, input, output, attrs);
    return output;
  }

  /** A node whose output has a fixed name (a graph output). */
  namedNode(opType: string, input: string[], output: string, attrs: Attributes = {}): void {
    this.push(opType, input, [output], attrs);
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  private push(opType: string, input: string[], output: string[], attrs: Attributes): void {
    // onnx.helper.make_node sorts keyword attributes by name; keep that order.
    const attribute = Object.keys(attrs)
      .sort()
      .map((name) => {
        const value = attrs[name]!;
        return Array.isArray(value)
          ? { name, ints: value, type: AttributeType.INTS }
          : { name, i: value, type: AttributeType.INT };
      });
    this.nodes.push({ opType, input, output, attribute });
  }

  encode(opts: {
    graphName: string;
    inputs: ValueInfo[];
    outputs: ValueInfo[];
    opsetVersion: number;
    irVersion: number;
    producerName: string;
  }): Uint8Array {
    const valueInfo = (v: ValueInfo) => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: v.elemType,
          shape: { dim: v.shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const model = {
      irVersion: opts.irVersion,
      producerName: opts.producerName,
      graph: {
        node: this.nodes,
        name: opts.graphName,
        initializer: this.initializers.map(({ name, tensor }) => ({
          dims: tensor.dims,
          dataType: tensor.dataType,
          name,
          rawData: tensor.bytes,
        })),
        input: opts.inputs.map(valueInfo),
        output: opts.outputs.map(valueInfo),
      },
      opsetImport: [{ domain: "", version: opts.opsetVersion }],
    };
    return ModelProto.encode(model).finish();
  }
}
