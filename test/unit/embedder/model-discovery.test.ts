import { expect } from "chai";
import { quantizationOf } from "../../../services/embedder/model-discovery.ts";

describe("embedder model discovery", () => {
  it("classifies quantisation from ONNX file names", function () {
    expect(quantizationOf("model.onnx")).to.equal("fp32");
    expect(quantizationOf("model_fp16.onnx")).to.equal("fp16");
    expect(quantizationOf("model_quantized.onnx")).to.equal("int8");
    expect(quantizationOf("model_uint8.onnx")).to.equal("int8");
    expect(quantizationOf("model_q4.onnx")).to.equal(null);
  });
});
