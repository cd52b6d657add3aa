import { expect } from "chai";
import { base64ToFloat32 } from "../../../lib/vector-codec.ts";
import {
  checkDimensions,
  embeddingResponse,
  inputTexts,
  OpenAIRequestError,
  toOpenAIError,
} from "../../../services/embedder/openai.ts";

describe("OpenAI mapping", () => {
  it("accepts a string or an array of non-empty strings", () => {
    expect(inputTexts("hi")).to.deep.equal(["hi"]);
    expect(inputTexts(["a", "b"])).to.deep.equal(["a", "b"]);
    expect(() => inputTexts([])).to.throw(OpenAIRequestError);
    expect(() => inputTexts(["a", ""])).to.throw(/input\[1\]/);
    expect(() => inputTexts(Array(2049).fill("x"))).to.throw(/2048/);
  });
  it("allows dimensions only for Matryoshka models", () => {
    const plain = { id: "use-lite", dimension: 512, matryoshka: false };
    expect(() => checkDimensions(plain)).not.to.throw();
    expect(() => checkDimensions(plain, 512)).not.to.throw();
    expect(() => checkDimensions(plain, 256))
      .to.throw(OpenAIRequestError)
      .with.property("param", "dimensions");
    const m = { id: "m", dimension: 768, matryoshka: true };
    expect(() => checkDimensions(m, 256)).not.to.throw();
    expect(() => checkDimensions(m, 1024)).to.throw(/between 1 and 768/);
  });
  it("builds the list response with usage from token counts, as floats or base64", () => {
    const v = [new Float32Array([1, 0]), new Float32Array([0, 1])];
    const floats = embeddingResponse("m", v, [3, 4]);
    expect(floats).to.deep.equal({
      object: "list",
      data: [
        { object: "embedding", index: 0, embedding: [1, 0] },
        { object: "embedding", index: 1, embedding: [0, 1] },
      ],
      model: "m",
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
    const b64 = embeddingResponse("m", v, [3, 4], "base64");
    expect(Array.from(base64ToFloat32(b64.data[1]!.embedding as string))).to.deep.equal([0, 1]);
  });
  it("maps errors to OpenAI's body and status", () => {
    expect(toOpenAIError({ code: 404, type: "MODEL_NOT_FOUND", message: "no" }, false)).to.deep.equal({
      status: 404,
      body: { error: { message: "no", type: "invalid_request_error", param: "model", code: "model_not_found" } },
    });
    const v = toOpenAIError(
      { code: 422, type: "VALIDATION_ERROR", message: "x", data: [{ field: "input[0]", message: "bad" }] },
      false,
    );
    expect(v).to.deep.equal({
      status: 400,
      body: { error: { message: "bad", type: "invalid_request_error", param: "input", code: "invalid_value" } },
    });
    expect(toOpenAIError({ code: 401, type: "UNAUTHORIZED", message: "who" }, false).body.error.code).to.equal(
      "invalid_api_key",
    );
    expect(toOpenAIError({ code: 403, type: "FORBIDDEN", message: "no" }, false).body.error.type).to.equal(
      "permission_error",
    );
    const crash = toOpenAIError({ message: "secret stack" }, false);
    expect(crash).to.deep.equal({
      status: 500,
      body: { error: { message: "Internal server error", type: "server_error", param: null, code: null } },
    });
    expect(
      toOpenAIError(
        {
          code: 400,
          type: "BAD_REQUEST",
          message: "dims",
          data: { param: "dimensions", code: "dimensions_not_supported" },
        },
        false,
      ).body.error,
    ).to.include({
      param: "dimensions",
      code: "dimensions_not_supported",
    });
  });
});
