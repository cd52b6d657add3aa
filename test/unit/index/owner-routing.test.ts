import { expect } from "chai";
import type { CallMeta } from "../../../core/permissions.ts";
import type { CallOptions, Caller } from "../../../services/index/deps.ts";
import { callOwner } from "../../../services/index/owner-routing.ts";

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

describe("index/owner-routing: calls go to the dataset's owner node", () => {
  it("callOwner names the owner node and keeps the caller's options (NO_RETRY); without an owner the broker picks", async () => {
    const { caller, calls } = recordingCaller({});
    await callOwner({ ownerOf: () => "n2" }, caller, "index.manage", { datasetId: "ds" }, { retries: 0 });
    await callOwner({ ownerOf: () => undefined }, caller, "index.removeChunks", { datasetId: "ds" }, { retries: 0 });
    expect(calls.map((c) => c.options)).to.deep.equal([{ retries: 0, nodeID: "n2" }, { retries: 0 }]);
  });
});
