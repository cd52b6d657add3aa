import { expect } from "chai";
import { base64ToFloat32, bytesToFloat32, float32ToBase64, float32ToBytes } from "../../../lib/vector-codec.ts";
import { planJobs } from "../../../services/embedder/embed-jobs.ts";
import { pickEndpoint, embedderNodeMetadata, type EndpointLike } from "../../../services/embedder/node-routing.ts";
import {
  checkDimensions,
  embeddingResponse,
  inputTexts,
  OpenAIRequestError,
  toOpenAIError,
} from "../../../services/embedder/openai.ts";
import { RequeuePolicy } from "../../../services/embedder/requeue.ts";

const ep = (id: string, gpu: boolean, opts: { local?: boolean; available?: boolean } = {}): EndpointLike => ({
  id,
  local: opts.local ?? false,
  isAvailable: opts.available ?? true,
  node: { id, metadata: { gpu } },
});

describe("embedder service domain", () => {
  describe("vector codec", () => {
    it("round-trips little-endian float32 through bytes and base64", () => {
      const v = new Float32Array([0, 1, -1.5, 3.25e-8, 1e30]);
      expect(Array.from(bytesToFloat32(float32ToBytes(v)))).to.deep.equal(Array.from(v));
      expect(Array.from(base64ToFloat32(float32ToBase64(v)))).to.deep.equal(Array.from(v));
      // 1.0f is 0x3f800000, stored little-endian.
      expect([...float32ToBytes(new Float32Array([1]))]).to.deep.equal([0, 0, 0x80, 0x3f]);
    });
    it("refuses a byte length that is not a multiple of 4 and reads unaligned input", () => {
      expect(() => bytesToFloat32(new Uint8Array(5))).to.throw(/multiple of 4/);
      const buf = Buffer.concat([Buffer.from([9]), float32ToBytes(new Float32Array([2.5]))]).subarray(1);
      expect(Array.from(bytesToFloat32(buf))).to.deep.equal([2.5]);
    });
  });

  describe("job planning", () => {
    it("splits chunk ids into messages carrying only org, dataset, model and ids", () => {
      const jobs = planJobs({ orgId: "o", datasetId: "d", modelId: "m" }, ["a", "b", "c", "d", "e"], 2);
      expect(jobs).to.deep.equal([
        { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["a", "b"] },
        { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["c", "d"] },
        { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["e"] },
      ]);
      expect(planJobs({ orgId: "o", datasetId: "d", modelId: "m" }, [], 2)).to.deep.equal([]);
    });
  });

  describe("requeue policy", () => {
    it("enqueues unseen datasets, then only when their vector count stands still for the stall time", () => {
      const p = new RequeuePolicy(1000);
      expect(p.shouldEnqueue("d", 0, 0)).to.equal(true);
      expect(p.shouldEnqueue("d", 0, 500)).to.equal(false);
      expect(p.shouldEnqueue("d", 10, 900)).to.equal(false); // moving
      expect(p.shouldEnqueue("d", 10, 1800)).to.equal(false);
      expect(p.shouldEnqueue("d", 10, 1900)).to.equal(true); // stalled 1000 ms
      expect(p.shouldEnqueue("d", 10, 2000)).to.equal(false);
      p.enqueued("e", 0);
      expect(p.shouldEnqueue("e", 0, 10)).to.equal(false);
      p.forget("e");
      expect(p.shouldEnqueue("e", 0, 20)).to.equal(true);
    });
  });

  describe("GPU-first endpoint choice", () => {
    it("prefers available GPU endpoints, the local one first, round-robin otherwise", () => {
      const list = [ep("cpu-a", false, { local: true }), ep("gpu-a", true), ep("gpu-b", true)];
      expect([0, 1, 2, 3].map((t) => pickEndpoint(list, t)!.id)).to.deep.equal(["gpu-a", "gpu-b", "gpu-a", "gpu-b"]);
      expect(pickEndpoint([...list, ep("gpu-l", true, { local: true })], 0)!.id).to.equal("gpu-l");
    });
    it("falls back to CPU endpoints when no GPU endpoint is available", () => {
      const list = [ep("cpu-a", false), ep("gpu-a", true, { available: false }), ep("cpu-b", false)];
      expect([0, 1].map((t) => pickEndpoint(list, t)!.id)).to.deep.equal(["cpu-a", "cpu-b"]);
      expect(pickEndpoint([ep("x", true, { available: false })], 0)).to.equal(null);
    });
    it("advertises gpu from EMBEDDER_GPU, else from EMBEDDER_DEVICE (auto claims no GPU until the model has loaded)", () => {
      expect(embedderNodeMetadata({ EMBEDDER_GPU: undefined, EMBEDDER_DEVICE: "cuda" })).to.deep.equal({
        gpu: true,
        device: "cuda",
      });
      expect(embedderNodeMetadata({ EMBEDDER_GPU: false, EMBEDDER_DEVICE: "cuda" })).to.deep.equal({
        gpu: false,
        device: "cuda",
      });
      expect(embedderNodeMetadata({ EMBEDDER_GPU: true, EMBEDDER_DEVICE: "cpu" })).to.deep.equal({
        gpu: true,
        device: "cpu",
      });
      expect(embedderNodeMetadata({ EMBEDDER_GPU: undefined, EMBEDDER_DEVICE: "cpu" })).to.deep.equal({
        gpu: false,
        device: "cpu",
      });
      expect(embedderNodeMetadata({ EMBEDDER_GPU: undefined, EMBEDDER_DEVICE: "webgpu" })).to.deep.equal({
        gpu: true,
        device: "webgpu",
      });
      expect(embedderNodeMetadata({ EMBEDDER_GPU: undefined, EMBEDDER_DEVICE: "auto" })).to.deep.equal({
        gpu: false,
        device: "cpu",
      });
    });
  });

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
});
