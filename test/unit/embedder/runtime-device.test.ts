// EMBEDDER_DEVICE: GPU providers are tried, and any that cannot load falls back to CPU with one
// log line; the device reported is the one actually in use. Where a GPU provider loads (a lent
// GPU host with Vulkan or CUDA), its vectors are compared with CPU vectors.
import { expect } from "chai";
import type * as ort from "onnxruntime-node";
import { openSession } from "../../../services/embedder/runtime-device.ts";
import { OnnxEmbedder, type RuntimeModelSpec } from "../../../services/embedder/runtime.ts";
import { convertedUseLite, cosine, sentences } from "./fixtures.ts";

const spec = (dir: string): RuntimeModelSpec => ({
  id: "use-lite",
  path: dir,
  onnxFile: "onnx/model.onnx",
  dimension: 512,
  maxTokens: 128,
  matryoshka: false,
});

function recorder() {
  const lines: string[] = [];
  return {
    lines,
    logger: { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) },
  };
}

describe("embedder device choice (EMBEDDER_DEVICE)", function () {
  // A fake session factory: which providers each attempt asked for, failing the GPU ones.
  function fakeCreate(loads: string[]) {
    const asked: string[] = [];
    const create = async (_file: string, options: ort.InferenceSession.SessionOptions) => {
      const first = options.executionProviders![0]!;
      const name = typeof first === "string" ? first : first.name;
      asked.push(name);
      if (!loads.includes(name)) throw new Error(`${name} failed\nsecond line`);
      return {} as ort.InferenceSession;
    };
    return { asked, create };
  }

  it("falls back from webgpu to CPU with one warning naming the reason", async () => {
    const { asked, create } = fakeCreate(["cpu"]);
    const warnings: string[] = [];
    const { device } = await openSession("m.onnx", {}, "webgpu", "use-lite", warnings, create);
    expect(device).to.equal("cpu");
    expect(asked).to.deep.equal(["webgpu", "cpu"]);
    expect(warnings).to.deep.equal([
      "embedder: EMBEDDER_DEVICE=webgpu could not load for use-lite (webgpu: webgpu failed); running on CPU",
    ]);
  });

  it("auto takes the first GPU provider that loads (CUDA, then WebGPU), else CPU", async () => {
    const webgpuOnly = fakeCreate(["webgpu", "cpu"]);
    const warnings: string[] = [];
    expect((await openSession("m.onnx", {}, "auto", "m", warnings, webgpuOnly.create)).device).to.equal("webgpu");
    expect(webgpuOnly.asked).to.deep.equal(["cuda", "webgpu"]);
    expect(warnings).to.deep.equal([]);
    const none = fakeCreate(["cpu"]);
    expect((await openSession("m.onnx", {}, "auto", "m", warnings, none.create)).device).to.equal("cpu");
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(/cuda: cuda failed; webgpu: webgpu failed\); running on CPU$/);
    const cpu = fakeCreate(["cpu"]);
    expect((await openSession("m.onnx", {}, "cpu", "m", warnings, cpu.create)).device).to.equal("cpu");
    expect(cpu.asked).to.deep.equal(["cpu"]);
  });

  describe("with the real model and onnxruntime's WebGPU provider", function () {
    this.timeout(120_000);
    let dir: string;
    let webgpu: OnnxEmbedder;
    const log = recorder();

    before(async () => {
      dir = (await convertedUseLite()).path;
      webgpu = await OnnxEmbedder.load(spec(dir), { device: "webgpu", intraOpThreads: 1, logger: log.logger });
    });
    after(() => webgpu?.dispose());

    it("without a WebGPU adapter runs on CPU, says so in one line and reports cpu", async function () {
      if (webgpu.device !== "cpu") {
        this.test!.title += " (skipped: a WebGPU adapter is present here)";
        this.skip();
      }
      expect(log.lines.filter((l) => l.startsWith("warn"))).to.have.length(1);
      expect(log.lines.find((l) => l.startsWith("warn"))).to.match(
        /^warn embedder: EMBEDDER_DEVICE=webgpu could not load for use-lite \(webgpu: .+\); running on CPU$/,
      );
      expect(log.lines.some((l) => l === "info embedder: loaded use-lite on cpu (1 threads)")).to.equal(true);
      const { vectors } = await webgpu.embed(["still works"]);
      expect(vectors[0]).to.have.length(512);
    });

    it("on a GPU, WebGPU vectors match CPU vectors (cosine >= 0.999)", async function () {
      if (webgpu.device !== "webgpu") {
        this.test!.title += " (skipped: no WebGPU adapter on this machine, so there is no GPU vector to compare)";
        this.skip();
      }
      const cpu = await OnnxEmbedder.load(spec(dir), { device: "cpu", intraOpThreads: 1, logger: recorder().logger });
      try {
        const a = await webgpu.embed(sentences);
        const b = await cpu.embed(sentences);
        for (let i = 0; i < sentences.length; i++) expect(cosine(a.vectors[i]!, b.vectors[i]!)).to.be.at.least(0.999);
      } finally {
        await cpu.dispose();
      }
    });
  });
});
