import protobuf from "protobufjs";

/**
 * The subset of the ONNX IR (onnx.proto, IR version 7) that the USE-lite converter writes.
 * Field numbers and types follow the published ONNX wire format; proto2 repeated scalars
 * are declared unpacked because that is how the reference (Python onnx) serialises them.
 */
const unpacked = { packed: false };

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: { id: 1, type: "string" },
            i: { id: 3, type: "int64" },
            ints: { id: 8, type: "int64", rule: "repeated", options: unpacked },
            type: { id: 20, type: "int32" },
          },
        },
        NodeProto: {
          fields: {
            input: { id: 1, type: "string", rule: "repeated" },
            output: { id: 2, type: "string", rule: "repeated" },
            name: { id: 3, type: "string" },
            opType: { id: 4, type: "string" },
            attribute: { id: 5, type: "AttributeProto", rule: "repeated" },
            domain: { id: 7, type: "string" },
          },
        },
        TensorProto: {
          fields: {
            dims: { id: 1, type: "int64", rule: "repeated", options: unpacked },
            dataType: { id: 2, type: "int32" },
            name: { id: 8, type: "string" },
            rawData: { id: 9, type: "bytes" },
          },
        },
        Dimension: {
          fields: {
            dimValue: { id: 1, type: "int64" },
            dimParam: { id: 2, type: "string" },
          },
        },
        TensorShapeProto: {
          fields: { dim: { id: 1, type: "Dimension", rule: "repeated" } },
        },
        TensorTypeProto: {
          fields: {
            elemType: { id: 1, type: "int32" },
            shape: { id: 2, type: "TensorShapeProto" },
          },
        },
        TypeProto: {
          fields: { tensorType: { id: 1, type: "TensorTypeProto" } },
        },
        ValueInfoProto: {
          fields: {
            name: { id: 1, type: "string" },
            type: { id: 2, type: "TypeProto" },
          },
        },
        GraphProto: {
          fields: {
            node: { id: 1, type: "NodeProto", rule: "repeated" },
            name: { id: 2, type: "string" },
            initializer: { id: 5, type: "TensorProto", rule: "repeated" },
            input: { id: 11, type: "ValueInfoProto", rule: "repeated" },
            output: { id: 12, type: "ValueInfoProto", rule: "repeated" },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { id: 1, type: "string" },
            version: { id: 2, type: "int64" },
          },
        },
        ModelProto: {
          fields: {
            irVersion: { id: 1, type: "int64" },
            producerName: { id: 2, type: "string" },
            graph: { id: 7, type: "GraphProto" },
            opsetImport: { id: 8, type: "OperatorSetIdProto", rule: "repeated" },
          },
        },
      },
    },
  },
};

export const onnxRoot = protobuf.Root.fromJSON(descriptor);
export const ModelProto = onnxRoot.lookupType("onnx.ModelProto");

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttributeType = { INT: 2, INTS: 7 } as const;
