import { expect } from "chai";
import { Errors } from "moleculer";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { nodeIds, startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { waitFor, EMBED_TEST_ENV } from "./helpers.ts";

interface Calls {
  byNode: Record<string, number>;
  inFlight: Record<string, number>;
  maxInFlight: Record<string, number>;
  failing: Set<string>;
  delayMs: number;
}

/** Replaces a node's model runtime with a fast fake that records where and how often it runs. */
function instrument(p: TestPlatform, calls: Calls): void {
  const id = p.broker.nodeID;
  const svc = p.broker.getLocalService("embedder") as unknown as { registry: { embed: unknown } };
  svc.registry.embed = async (_model: string, texts: string[]) => {
    calls.byNode[id] = (calls.byNode[id] ?? 0) + 1;
    calls.inFlight[id] = (calls.inFlight[id] ?? 0) + 1;
    calls.maxInFlight[id] = Math.max(calls.maxInFlight[id] ?? 0, calls.inFlight[id]!);
    try {
      await new Promise((r) => setTimeout(r, calls.delayMs));
      if (calls.failing.has(id)) throw new Errors.MoleculerServerError(`${id} is broken`, 500, "BROKEN");
      const data = new Float32Array(texts.length * 4).fill(0.5);
      return { data, vectors: [], tokenCounts: texts.map(() => 3), dimension: 4 };
    } finally {
      calls.inFlight[id]!--;
    }
  };
}

describe("embedder: GPU-first routing, bulkhead and circuit breaker over several brokers (Fake transporter)", function () {
  this.timeout(360_000);
  let database: IsolatedDatabase;
  const nodes = new Map<string, TestPlatform>();
  const calls: Calls = { byNode: {}, inFlight: {}, maxInFlight: {}, failing: new Set(), delayMs: 5 };
  const namespace = `gpu-${process.pid}-${Date.now()}`;
  const reset = () => {
    calls.byNode = {};
    calls.maxInFlight = {};
  };

  const start = async (nodeID: string, gpu: boolean | null) => {
    const p = await startTestPlatform({
      services: gpu === null ? [] : ["embedder"],
      database,
      nodeID,
      transporter: "Fake",
      env: {
        ...EMBED_TEST_ENV,
        NAMESPACE: namespace,
        EMBED_CONCURRENCY: "2",
        ...(gpu === null ? {} : { EMBEDDER_GPU: String(gpu) }),
      },
    });
    if (gpu !== null) instrument(p, calls);
    nodes.set(nodeID, p);
    return p;
  };

  before(async () => {
    database = await isolatedDatabase();
    await start("gpu-1", true);
    await start("cpu-1", false);
    await start("cpu-2", false);
    await start("caller", null);
    await waitFor("discovery", async () =>
      [...nodes.values()].every((n) =>
        ["gpu-1", "cpu-1", "cpu-2", "caller"].every((id) => nodeIds(n.broker).includes(id)),
      ),
    );
  });
  after(async () => {
    for (const n of nodes.values()) await n.stop().catch(() => undefined);
    await database?.close();
  });

  const embedFrom = (nodeID: string, texts = ["hello"]) => {
    const svc = nodes.get(nodeID)!.broker.getLocalService("embedder") as unknown as {
      embedTexts(ctx: null, model: string, texts: string[]): Promise<{ vectors: Float32Array[] }>;
    };
    return svc.embedTexts(null, "use-lite", texts);
  };

  it("advertises the device in node metadata", () => {
    const list = nodes.get("caller")!.broker.registry.nodes.toArray() as { id: string; metadata: { gpu?: boolean } }[];
    const gpu = Object.fromEntries(list.filter((n) => n.id !== "caller").map((n) => [n.id, n.metadata.gpu]));
    expect(gpu).to.deep.equal({ "gpu-1": true, "cpu-1": false, "cpu-2": false });
  });

  it("sends batches to the GPU node, from CPU embedder nodes and from nodes without an embedder", async () => {
    reset();
    for (let i = 0; i < 6; i++) {
      const r = await embedFrom(i % 2 ? "cpu-1" : "cpu-2");
      expect(r.vectors[0]).to.have.length(4);
    }
    for (let i = 0; i < 4; i++)
      await nodes.get("caller")!.broker.call("embedder.embedBatch", { modelId: "use-lite", texts: ["hi"] });
    expect(calls.byNode).to.deep.equal({ "gpu-1": 10 });
  });

  it("caps in-flight batches per node with the bulkhead (EMBED_CONCURRENCY=2)", async () => {
    reset();
    calls.delayMs = 100;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        nodes
          .get("caller")!
          .broker.call("embedder.embedBatch", { modelId: "use-lite", texts: ["x"] }, { nodeID: "cpu-2" }),
      ),
    );
    calls.delayMs = 5;
    expect(calls.byNode["cpu-2"]).to.equal(8);
    expect(calls.maxInFlight["cpu-2"]).to.equal(2);
  });

  it("falls back to CPU nodes when the GPU node fails, and the circuit breaker takes it out", async () => {
    reset();
    calls.failing.add("gpu-1");
    for (let i = 0; i < 40; i++) await embedFrom("cpu-1");
    const gpuCalls = calls.byNode["gpu-1"] ?? 0;
    // Every batch succeeded on a CPU node; the GPU node stopped being tried once its circuit opened.
    expect((calls.byNode["cpu-1"] ?? 0) + (calls.byNode["cpu-2"] ?? 0)).to.equal(40);
    expect(gpuCalls).to.be.at.least(1).and.lessThan(40);
    const before = gpuCalls;
    for (let i = 0; i < 10; i++) await embedFrom("cpu-2");
    expect(calls.byNode["gpu-1"] ?? 0).to.equal(before);
    calls.failing.delete("gpu-1");
  });

  it("shares the work among CPU nodes when the GPU node leaves", async () => {
    await nodes.get("gpu-1")!.stop();
    nodes.delete("gpu-1");
    await waitFor("gpu-1 to be gone", async () => !nodeIds(nodes.get("caller")!.broker).includes("gpu-1"));
    reset();
    for (let i = 0; i < 10; i++)
      await nodes.get("caller")!.broker.call("embedder.embedBatch", { modelId: "use-lite", texts: ["hi"] });
    expect(calls.byNode["gpu-1"]).to.equal(undefined);
    expect(calls.byNode["cpu-1"]).to.equal(5);
    expect(calls.byNode["cpu-2"]).to.equal(5);
  });
});
