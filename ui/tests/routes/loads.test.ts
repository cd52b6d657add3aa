import { describe, expect, it } from "vitest";
import type { Me, Permission } from "../../src/lib/api/models";
import { session } from "../../src/lib/stores/session.svelte";
import { load as datasetLoad } from "../../src/routes/datasets/[id]/+page";
import { load as callbackLoad } from "../../src/routes/login/callback/+page";
import { load as conversationsLoad } from "../../src/routes/conversations/+page";
import { load as searchLoad } from "../../src/routes/search/+page";
import { load as topicsLoad } from "../../src/routes/topics/+page";
import { load as verifyLoad } from "../../src/routes/verify-email/+page";
import type { PageData as ConversationsData } from "../../src/routes/conversations/$types";
import type { PageData as DatasetData } from "../../src/routes/datasets/[id]/$types";
import type { PageData as CallbackData } from "../../src/routes/login/callback/$types";
import type { PageData as SearchData } from "../../src/routes/search/$types";
import type { PageData as TopicsData } from "../../src/routes/topics/$types";
import type { PageData as VerifyData } from "../../src/routes/verify-email/$types";
import { fakeApi, json, type FakeRequest } from "../fake-api";

const api = fakeApi();

/** What SvelteKit hands a page's load, for the parts these loads use. */
function event(url: string, params: Record<string, string> = {}) {
  const deps: string[] = [];
  return {
    url: new URL(url, "http://localhost"),
    params,
    parent: async () => ({}),
    depends: (...d: string[]) => deps.push(...d),
    untrack: <T>(fn: () => T) => fn(),
    deps,
  };
}
// The loads' event type has more than they use; the test gives what they use. A load declared
// as PageLoad returns its page's data (the route's generated PageData, named at each call).
const run = async <D, E = never>(load: (e: E) => unknown, url: string, params: Record<string, string> = {}) =>
  (await load(event(url, params) as unknown as E)) as D;

const me = (permissions: Permission[]): Me => ({
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
  orgs: [{ id: "o1", name: "Acme", role: "analyst", requireMfa: false }],
  current: { orgId: "o1", role: "analyst", permissions, sessionId: "s1" },
});
function signIn(...permissions: Permission[]) {
  session.me = me(permissions);
  session.status = "signedIn";
}
function signOut() {
  session.me = null;
  session.status = "signedOut";
}

const dataset = (id: string, name: string) => ({
  id,
  name,
  description: null,
  modelId: "m",
  keywordLanguage: null,
  messageCount: 0,
  conversationCount: 0,
  participantCount: 0,
  firstMessageAt: null,
  lastMessageAt: null,
  createdAt: "2026-01-01T00:00:00Z",
});
const conversation = (id: string, messageCount: number) => ({
  id,
  name: id,
  platform: "whatsapp",
  messageCount,
  firstMessageAt: "2026-01-01T00:00:00Z",
  lastMessageAt: "2026-01-02T00:00:00Z",
});
const message = (id: number, conversationId = "c1") => ({
  id,
  conversationId,
  ts: "2026-01-01T10:00:00Z",
  author: "Ada",
  text: `message ${id}`,
  kind: "text",
  edited: false,
});

/** Answers by path; anything else is a 404 (the test would see it). */
function answerBy(routes: Record<string, (req: FakeRequest) => Response>) {
  api.answer = (req) => {
    const route = routes[`${req.method} ${req.path}`];
    return route ? route(req) : json(404, { error: { code: "NOT_FOUND", message: `${req.method} ${req.path}` } });
  };
}

describe("search page load", () => {
  it("opens the dataset ?dataset= names, with its filter choices and index versions", async () => {
    signIn("search.run");
    answerBy({
      "GET /api/datasets": () => json(200, { items: [dataset("d1", "One"), dataset("d2", "Two")] }),
      "GET /api/datasets/d2/conversations": () => json(200, { items: [conversation("c1", 3)] }),
      "GET /api/datasets/d2/participants": () => json(200, { items: [{ id: "p1", displayName: "Ada" }] }),
      // A failed read of the versions offers none; the page still opens.
      "GET /api/datasets/d2/index/versions": () => json(503, { error: { code: "SERVICE_UNAVAILABLE", message: "x" } }),
    });
    const { choice } = await run<SearchData>(searchLoad, "/search?dataset=d2");
    expect(choice.error).toBeNull();
    expect(choice.value?.datasetId).toBe("d2");
    expect(choice.value?.conversations.map((c) => c.id)).toEqual(["c1"]);
    expect(choice.value?.participants.map((p) => p.id)).toEqual(["p1"]);
    expect(choice.value?.versions).toEqual([]);
  });

  it("reads nothing without the permission (the page shows it is forbidden)", async () => {
    signIn("datasets.read");
    const { choice } = await run<SearchData>(searchLoad, "/search");
    expect(choice).toEqual({ value: null, error: null });
    expect(api.requests).toEqual([]);
  });
});

describe("conversations page load", () => {
  it("opens a search hit's message (?message=) marked among its neighbours", async () => {
    signIn("datasets.read");
    answerBy({
      "GET /api/datasets": () => json(200, { items: [dataset("d1", "One")] }),
      "GET /api/datasets/d1/conversations": () => json(200, { items: [conversation("c1", 3)] }),
      "GET /api/datasets/d1/messages/7": (req) => {
        expect(req.query.get("context")).toBe("40");
        return json(200, { message: message(7), before: [message(6)], after: [message(8)] });
      },
    });
    const { reader } = await run<ConversationsData>(conversationsLoad, "/conversations?dataset=d1&message=7");
    expect(reader.error).toBeNull();
    const view = reader.value?.view;
    expect(view?.conversationId).toBe("c1");
    expect(view?.messages.map((m) => m.id)).toEqual([6, 7, 8]);
    expect(view?.marked).toEqual([7]);
    expect(view?.focus).toBe(7);
    expect(view?.hasEarlier).toBe(false);
  });

  it("opens the biggest conversation from its start when the URL names none", async () => {
    signIn("datasets.read");
    answerBy({
      "GET /api/datasets": () => json(200, { items: [dataset("d1", "One")] }),
      "GET /api/datasets/d1/conversations": () =>
        json(200, { items: [conversation("small", 2), conversation("big", 9)] }),
      "GET /api/datasets/d1/conversations/big/messages": (req) => {
        expect(req.query.get("order")).toBe("asc");
        return json(200, { items: [message(1, "big")], nextCursor: "more" });
      },
    });
    const { reader } = await run<ConversationsData>(conversationsLoad, "/conversations");
    expect(reader.value?.view?.conversationId).toBe("big");
    expect(reader.value?.view?.hasLater).toBe(true);
    expect(reader.value?.view?.focus).toBeNull();
  });
});

describe("topics page load", () => {
  it("opens the latest completed run with its map", async () => {
    signIn("clusters.read");
    const run1 = { id: "r1", datasetId: "d1", status: "completed", createdAt: "2026-01-02T00:00:00Z" };
    answerBy({
      "GET /api/datasets": () => json(200, { items: [dataset("d1", "One")] }),
      "GET /api/datasets/d1/clusters/runs": () => json(200, { runs: [{ ...run1, id: "r2", status: "running" }, run1] }),
      "GET /api/datasets/d1/clusters/runs/r1": () => json(200, { ...run1, result: { clusters: [] } }),
      "GET /api/datasets/d1/clusters/runs/r1/map": () => json(200, { x: [], y: [], cluster: [] }),
    });
    const { topics } = await run<TopicsData>(topicsLoad, "/topics");
    expect(topics.value?.runs.map((r) => r.id)).toEqual(["r2", "r1"]);
    expect(topics.value?.opened?.run.id).toBe("r1");
    expect(topics.value?.opened?.map).toEqual({ x: [], y: [], cluster: [] });
  });
});

describe("dataset page load", () => {
  it("opens the dataset when only its embedding progress cannot be read, and depends on app:dataset", async () => {
    signIn("datasets.read");
    answerBy({
      "GET /api/datasets/d1": () => json(200, dataset("d1", "One")),
      "GET /api/datasets/d1/imports": () => json(200, { items: [] }),
      "GET /api/datasets/d1/conversations": () => json(200, { items: [] }),
      "GET /api/datasets/d1/participants": () => json(200, { items: [] }),
      "GET /api/datasets/d1/embedding": () => json(503, { error: { code: "SERVICE_UNAVAILABLE", message: "x" } }),
      "GET /api/datasets/d1/index/versions": () => json(200, { items: [] }),
      "GET /api/formats": () => json(200, { formats: ["whatsapp", "telegram"] }),
    });
    const e = event("/datasets/d1", { id: "d1" });
    const { details } = (await datasetLoad(e as unknown as Parameters<typeof datasetLoad>[0])) as DatasetData;
    expect(e.deps).toContain("app:dataset");
    expect(details.error).toBeNull();
    expect(details.value?.dataset.name).toBe("One");
    expect(details.value?.embedding).toBeNull();
    expect(details.value?.versions).toEqual({ value: [], error: null });
    expect(details.value?.formats).toEqual(["whatsapp", "telegram"]);
  });
});

describe("confirmation link load", () => {
  it("signed out, confirms nothing: the page asks for the password", async () => {
    signOut();
    const { confirmed } = await run<VerifyData>(verifyLoad, "/verify-email?token=t1");
    expect(confirmed).toBeNull();
    expect(api.requests).toEqual([]);
  });

  it("signed in, confirms the address once and goes on to ?next=", async () => {
    signIn("datasets.read");
    answerBy({
      "POST /api/auth/email/verify": () => json(200, { ok: true }),
      "GET /api/auth/me": () => json(200, me(["datasets.read"])),
    });
    await expect(
      run<VerifyData>(verifyLoad, "/verify-email?token=t1&next=/invitations/accept?token=x"),
    ).rejects.toMatchObject({
      status: 307,
      location: "/invitations/accept?token=x",
    });
    expect(api.requests[0]).toEqual({ method: "POST", path: "/api/auth/email/verify", body: { token: "t1" } });
  });

  it("signed in, shows a refused link's error (and never follows a ?next= to another site)", async () => {
    signIn("datasets.read");
    answerBy({
      "POST /api/auth/email/verify": () => json(400, { error: { code: "LINK_INVALID", message: "used" } }),
    });
    const { confirmed } = await run<VerifyData>(verifyLoad, "/verify-email?token=t1&next=//evil.example");
    expect(confirmed?.ok).toBe(false);
    expect(confirmed?.error).toMatchObject({ code: "LINK_INVALID" });
  });
});

describe("OAuth callback load", () => {
  it("shows the provider's refusal without calling the API", async () => {
    signOut();
    const data = await run<CallbackData>(callbackLoad, "/login/callback?error=OAUTH_FAILED");
    expect(data).toMatchObject({ challenge: null, error: { error: { code: "OAUTH_FAILED" } } });
    expect(api.requests).toEqual([]);
  });

  it("asks for the second factor when the account has one", async () => {
    signOut();
    answerBy({ "POST /api/auth/login/oauth": () => json(200, { mfaRequired: true, challengeToken: "ch1" }) });
    const data = await run<CallbackData>(callbackLoad, "/login/callback?code=c1");
    expect(data).toEqual({ challenge: "ch1", error: null });
    expect(api.requests).toEqual([{ method: "POST", path: "/api/auth/login/oauth", body: { code: "c1" } }]);
  });
});
