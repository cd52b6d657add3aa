import { expect } from "chai";
import { pickEndpoint, embedderNodeMetadata, type EndpointLike } from "../../../services/embedder/node-routing.ts";

const ep = (id: string, gpu: boolean, opts: { local?: boolean; available?: boolean } = {}): EndpointLike => ({
  id,
  local: opts.local ?? false,
  isAvailable: opts.available ?? true,
  node: { id, metadata: { gpu } },
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
