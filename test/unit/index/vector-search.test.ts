import { expect } from "chai";
import type { CallMeta } from "../../../core/permissions.ts";
import { base64ToFloat32 } from "../../../lib/vector-codec.ts";
import type { CallOptions, Caller, IndexDeps } from "../../../services/index/deps.ts";
import { searchOnOwner } from "../../../services/index/vector-search.ts";

// The index use cases take their dependencies explicitly (services/index/deps.ts): routing a
// vector search to the dataset's owner and the per-org search slots, without a broker.

const ORG = "00000000-0000-4000-8000-000000000001";
const meta: CallMeta = { auth: { kind: "user", userId: "u", orgId: ORG, role: "owner", permissions: ["search.run"] } };

/** A caller whose calls are recorded and answered with `answer`. */
function recordingCaller(answer: unknown = { datasetId: "ds", hits: [] }) {
  const calls: { action: string; params: Record<string, unknown>; options?: CallOptions }[] = [];
  const caller: Caller = {
    meta,
    call: async <T>(action: string, params: object, options?: CallOptions) => {
      calls.push({ action, params: params as Record<string, unknown>, ...(options ? { options } : {}) });
      return answer as T;
    },
  };
  return { caller, calls };
}

/** Deps of a node `self` whose datasets are all owned by `owner`; its index answers one hit. */
function nodeDeps(self: string, owner: string | undefined) {
  const searched: unknown[] = [];
  const deps = {
    node: { nodeID: self, ownerOf: () => owner },
    ownership: { ensureCurrent: async () => {} },
    store: {
      manager: { isLoaded: () => true },
      search: async (_key: unknown, vector: Float32Array, k: number, opts: unknown) => {
        searched.push({ vector: [...vector], k, opts });
        return [{ chunkId: "c1", score: 0.9 }];
      },
    },
  } as unknown as IndexDeps;
  return { deps, searched };
}

const search = {
  orgId: ORG,
  datasetId: "ds",
  modelId: "m",
  vector: Float32Array.of(0.5, -1, 2),
  k: 5,
};

describe("index/vector-search: a vector search runs on the dataset's owner", () => {
  it("on this node when it owns the index: searched here directly, no broker call", async () => {
    const { deps, searched } = nodeDeps("n1", "n1");
    const { caller, calls } = recordingCaller();
    const result = await searchOnOwner(deps, caller, search);
    expect(calls).to.deep.equal([]);
    expect(result).to.deep.equal({ datasetId: "ds", version: undefined, hits: [{ chunkId: "c1", score: 0.9 }] });
    expect(searched).to.deep.equal([{ vector: [0.5, -1, 2], k: 5, opts: { allow: undefined, version: undefined } }]);
  });

  it("on the owner node otherwise: the vector travels as base64, the ownership flag never does", async () => {
    const { deps, searched } = nodeDeps("n1", "n2");
    const { caller, calls } = recordingCaller();
    await searchOnOwner(deps, caller, { ...search, version: 3, ownershipChecked: true });
    expect(searched).to.deep.equal([]);
    expect(calls).to.have.lengthOf(1);
    const [call] = calls;
    expect(call!.action).to.equal("index.vectorSearch");
    expect(call!.options).to.deep.equal({ nodeID: "n2" });
    expect(call!.params).to.not.have.property("ownershipChecked");
    expect(call!.params).to.include({ orgId: ORG, datasetId: "ds", modelId: "m", k: 5, version: 3 });
    expect([...base64ToFloat32(call!.params.vector as string)]).to.deep.equal([0.5, -1, 2]);
  });
});
