import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { ClusterRun, Me } from "../../src/lib/api/models";
import { session } from "../../src/lib/stores/session.svelte";
import TopicsPage from "../../src/routes/topics/+page.svelte";
import { fakeApi, json } from "../fake-api";

const api = fakeApi();

const running: ClusterRun = {
  id: "r1",
  datasetId: "d1",
  indexVersion: "1",
  modelId: "minilm",
  status: "running",
  progress: 0.4,
  stage: "kmeans",
  params: { k: 4, map: true, mapMethod: "umap", granularity: "auto", seed: 42 },
  error: null,
  createdBy: null,
  createdAt: "2026-01-01T00:00:00Z",
  finishedAt: null,
  result: null,
};

describe("topics page", () => {
  it("follows a running run at its pace: each answer does not start the poll again", async () => {
    const me: Me = {
      user: {
        id: "u1",
        email: "a@example.com",
        emailVerified: true,
        displayName: "Ada",
        avatarUrl: null,
        locale: null,
        timeZone: null,
        mfaEnabled: false,
        hasPassword: true,
        createdAt: "2026-01-01T00:00:00Z",
      },
      orgs: [{ id: "o1", name: "Acme", role: "viewer", requireMfa: false }],
      current: { orgId: "o1", role: "viewer", permissions: ["clusters.read"], sessionId: "s1" },
    };
    session.me = me;
    session.status = "signedIn";
    api.answer = () => json(200, running);
    render(TopicsPage, {
      data: {
        choice: { value: { datasets: [], datasetId: "d1" }, error: null },
        topics: {
          value: { runs: [{ ...running, k: 4, totalChunks: 10 }], opened: { run: running, map: null } },
          error: null,
        },
      },
    });
    expect(screen.getByRole("progressbar")).toBeTruthy();
    // One read at once, the next after 1.5 s: about two in 2 s (back to back it made dozens).
    await new Promise((r) => setTimeout(r, 2000));
    expect(api.requests.every((r) => r.path === "/api/datasets/d1/clusters/runs/r1")).toBe(true);
    expect(api.requests.length).toBeGreaterThanOrEqual(1);
    expect(api.requests.length).toBeLessThanOrEqual(3);
  });
});
