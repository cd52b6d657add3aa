import { expect } from "chai";
import type { ActionSchema } from "moleculer";
import { SERVICE_NAMES } from "../../../config/index.ts";
import { ROLE_PERMISSIONS, type ActionGuard, type Permission } from "../../../core/permissions.ts";
import type { Role } from "../../../models/schema.ts";
import { createAppContext } from "../../../core/app-context.ts";
import { loadServiceSchemas } from "../../../platform/catalog.ts";
import { http, httpRaw } from "../../helpers/http.ts";
import { tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { addMember, logIn, signUp, startAuthPlatform, type Account } from "./fixtures.ts";

/**
 * Every HTTP endpoint, as "METHOD /full/path -> service.action". When you add a route, add it
 * here too: the test fails on any endpoint that appears or disappears unannounced.
 */
const EXPECTED_ROUTES = [
  "GET /api/health -> api.health",
  "GET /api/ready -> api.ready",
  "GET /api/openapi.json -> api.openapi",
  "GET /api/docs -> api.docs",
  "GET /api/docs/assets/:file -> api.docsAsset",
  "POST /api/auth/signup -> auth.signup",
  "POST /api/auth/signup/confirm -> auth.confirmSignup",
  "POST /api/auth/login -> auth.login",
  "POST /api/auth/login/mfa -> auth.loginMfa",
  "POST /api/auth/login/oauth -> auth.exchangeCode",
  "POST /api/auth/refresh -> auth.refresh",
  "POST /api/auth/logout -> auth.logout",
  "GET /api/auth/providers -> auth.providers",
  "GET /api/auth/me -> auth.me",
  "PATCH /api/auth/me -> auth.updateProfile",
  "POST /api/auth/password -> auth.changePassword",
  "POST /api/auth/password/forgot -> auth.forgotPassword",
  "POST /api/auth/password/reset -> auth.resetPassword",
  "POST /api/auth/email/verification -> auth.sendVerificationEmail",
  "POST /api/auth/email/verify -> auth.verifyEmail",
  "GET /api/auth/sessions -> auth.listSessions",
  "DELETE /api/auth/sessions/:id -> auth.endSession",
  "GET /api/auth/orgs -> auth.listOrgs",
  "POST /api/auth/orgs -> auth.createOrg",
  "POST /api/auth/orgs/switch -> auth.switchOrg",
  "PATCH /api/auth/org -> auth.updateOrg",
  "GET /api/auth/members -> auth.listMembers",
  "PATCH /api/auth/members/:userId -> auth.changeMemberRole",
  "DELETE /api/auth/members/:userId -> auth.removeMember",
  "GET /api/auth/invitations -> auth.listInvitations",
  "POST /api/auth/invitations -> auth.createInvitation",
  "DELETE /api/auth/invitations/:id -> auth.revokeInvitation",
  "POST /api/auth/invitations/accept -> auth.acceptInvitation",
  "POST /api/auth/mfa/enrol -> auth.enrolMfa",
  "POST /api/auth/mfa/confirm -> auth.confirmMfa",
  "POST /api/auth/mfa/disable -> auth.disableMfa",
  "GET /api/auth/api-keys -> auth.listApiKeys",
  "POST /api/auth/api-keys -> auth.createApiKey",
  "DELETE /api/auth/api-keys/:id -> auth.revokeApiKey",
  "GET /api/auth/audit -> auth.listAudit",
  "GET /api/formats -> ingest.listFormats",
  "GET /api/datasets -> ingest.listDatasets",
  "POST /api/datasets -> ingest.createDataset",
  "GET /api/datasets/:datasetId -> ingest.getDataset",
  "PATCH /api/datasets/:datasetId -> ingest.updateDataset",
  "DELETE /api/datasets/:datasetId -> ingest.deleteDataset",
  "GET /api/datasets/:datasetId/imports -> ingest.listImports",
  "GET /api/imports/:importId -> ingest.getImport",
  "GET /api/datasets/:datasetId/conversations -> ingest.listConversations",
  "GET /api/datasets/:datasetId/participants -> ingest.listParticipants",
  "GET /api/datasets/:datasetId/conversations/:conversationId/messages -> ingest.listMessages",
  "GET /api/datasets/:datasetId/messages/:messageId -> ingest.getMessage",
  "POST /api/datasets/:datasetId/imports -> ingest.upload",
  "PUT /api/datasets/:datasetId/imports -> ingest.upload",
  "POST /api/datasets/:datasetId/clusters/runs -> cluster.startRun",
  "GET /api/datasets/:datasetId/clusters/runs -> cluster.listRuns",
  "GET /api/datasets/:datasetId/clusters/runs/:runId -> cluster.getRun",
  "GET /api/datasets/:datasetId/clusters/runs/:runId/map -> cluster.getMap",
  "GET /api/datasets/:datasetId/clusters/runs/:runId/export -> cluster.exportRun",
  "GET /api/datasets/:datasetId/chunks/:chunkId/location -> cluster.locateChunk",
  "GET /api/datasets/:datasetId/clusters/runs/:runId/compare/:otherRunId -> cluster.compareRuns",
  "GET /api/datasets/:datasetId/analytics -> analytics.activity",
  "GET /api/datasets/:datasetId/report -> analytics.report",
  "GET /api/datasets/:datasetId/analytics/:table -> analytics.activityTable",
  "GET /api/search-analytics -> analytics.search",
  "GET /api/search-analytics/:table -> analytics.searchTable",
  "GET /api/models -> embedder.listModels",
  "GET /api/models/:id -> embedder.getModel",
  "GET /api/datasets/:datasetId/embedding -> embedder.embeddingProgress",
  "POST /v1/embeddings -> embedder.createEmbeddings",
  "GET /v1/models -> embedder.openaiListModels",
  "GET /v1/models/:id -> embedder.openaiGetModel",
  "POST /api/search -> index.search",
  "POST /api/search/vector -> index.searchByVector",
  "GET /api/datasets/:datasetId/index -> index.status",
  "POST /api/datasets/:datasetId/index/rebuild -> index.rebuild",
  "GET /api/datasets/:datasetId/index/versions -> index.listVersions",
  "GET /api/datasets/:datasetId/index/versions/:from/compare/:to -> index.compareVersions",
  "POST /api/datasets/:datasetId/index/pin -> index.pinVersion",
  "DELETE /api/datasets/:datasetId/index/pin -> index.unpinVersion",
  "POST /api/datasets/:datasetId/index/rollback -> index.rollback",
];

/** Services started for the HTTP walk; endpoints of other services get the static guard check only. */
const WALK_SERVICES = ["api", "auth", "index"] as const;

interface Endpoint {
  method: string;
  path: string;
  action: string;
}

/** The live alias table of the running gateway, all routes together. */
function liveEndpoints(p: TestPlatform): Endpoint[] {
  const api = p.broker.getLocalService("api") as unknown as {
    settings: { routes: { path: string; aliases?: Record<string, unknown> }[] };
  };
  const out: Endpoint[] = [];
  for (const route of api.settings.routes)
    for (const [key, target] of Object.entries(route.aliases ?? {})) {
      const [method, path] = key.includes(" ") ? key.split(/\s+/) : ["ALL", key];
      // Upload aliases name their body handling before the action ("multipart:ingest.upload").
      const action = (typeof target === "string" ? target : (target as { action: string }).action).replace(
        /^(multipart|stream):/,
        "",
      );
      out.push({
        method: method!.toUpperCase(),
        path: `${route.path}${path!.startsWith("/") ? "" : "/"}${path}`,
        action,
      });
    }
  return out;
}

type Caller = "anonymous" | Role | "apiKey";
const CALLERS: Caller[] = ["anonymous", "viewer", "analyst", "admin", "owner", "apiKey"];
const KEY_PERMISSIONS: Permission[] = ["members.read", "audit.read"];

/** What the declared table says: allowed, 401 or 403. */
function expected(guard: ActionGuard, caller: Caller): 200 | 401 | 403 {
  if (guard.auth === "public") return 200;
  if (caller === "anonymous") return 401;
  if (guard.auth === "user") return caller === "apiKey" ? 403 : 200;
  if (!guard.permissions?.length) return 403;
  const granted: ReadonlySet<Permission> = caller === "apiKey" ? new Set(KEY_PERMISSIONS) : ROLE_PERMISSIONS[caller];
  return guard.permissions.every((p) => granted.has(p)) ? 200 : 403;
}

describe("auth: every HTTP endpoint against the declared permission table", function () {
  this.timeout(360_000);
  let p: TestPlatform;
  let owner: Account;
  const members: Partial<Record<Role, Account>> = {};
  let apiKey: string;
  let guards: Map<string, ActionSchema>;

  before(async () => {
    p = await startAuthPlatform({}, [...WALK_SERVICES] as never);
    owner = await signUp(p);
    for (const role of ["viewer", "analyst", "admin"] as const) members[role] = await addMember(p, owner, role);
    const key = await http(p.baseUrl, "POST", "/api/auth/api-keys", {
      token: owner.accessToken,
      body: { name: "walk", permissions: KEY_PERMISSIONS },
    });
    expect(key.status).to.equal(201);
    apiKey = key.body.key;
    // Declared guards of every action of every service in the catalog, running here or not.
    guards = new Map();
    const schemas = await loadServiceSchemas(SERVICE_NAMES, createAppContext(p.config, p.database));
    for (const schema of schemas)
      for (const [name, action] of Object.entries(schema.actions ?? {}))
        if (action && typeof action === "object") guards.set(`${schema.name}.${name}`, action as ActionSchema);
  });
  after(async () => p?.stop());

  it("exposes exactly the expected endpoints", () => {
    const live = liveEndpoints(p).map((e) => `${e.method} ${e.path} -> ${e.action}`);
    expect([...live].sort()).to.deep.equal([...EXPECTED_ROUTES].sort());
  });

  it("every endpoint's action is published and declares auth or permissions", () => {
    for (const e of liveEndpoints(p)) {
      const action = guards.get(e.action);
      expect(action, `${e.action} has no schema in the service catalog`).to.exist;
      if (e.action.startsWith("api.")) continue; // the gateway's own actions are reached directly
      expect(action!.visibility ?? "published", e.action).to.equal("published");
      expect(
        action!.auth === "public" || action!.auth === "user" || (action!.permissions?.length ?? 0) > 0,
        `${e.action} declares no guard`,
      ).to.be.true;
    }
  });

  /** A fresh session per request: some endpoints (log-out) end the session they are called with. */
  async function tokenFor(caller: Caller): Promise<string | undefined> {
    if (caller === "anonymous") return undefined;
    if (caller === "apiKey") return apiKey;
    const account = caller === "owner" ? owner : members[caller]!;
    const login = await logIn(p, account.email, account.password);
    const sw = await http(p.baseUrl, "POST", "/api/auth/orgs/switch", {
      token: tokensOf(login.body).accessToken,
      body: { orgId: owner.orgId },
    });
    return sw.body.accessToken;
  }

  it("allows and refuses each caller exactly as declared", async () => {
    const mismatches: string[] = [];
    const running = new Set<string>(WALK_SERVICES);
    for (const e of liveEndpoints(p)) {
      if (!running.has(e.action.split(".")[0]!)) continue;
      const action = guards.get(e.action)!;
      const guard: ActionGuard = { auth: action.auth, permissions: action.permissions };
      const path = e.path.replace(/:file\b/, "x").replace(/:[A-Za-z]+/g, "00000000-0000-4000-8000-000000000000");
      for (const caller of CALLERS) {
        const want = expected(guard, caller);
        const res = await httpRaw(p.baseUrl, e.method === "ALL" ? "GET" : e.method, path, {
          token: await tokenFor(caller),
          body: e.method === "GET" || e.method === "DELETE" ? undefined : {},
        });
        const got = res.status === 401 ? 401 : res.status === 403 && res.error?.code === "FORBIDDEN" ? 403 : 200;
        if (got !== want || res.status === 500)
          mismatches.push(
            `${caller} ${e.method} ${path} (${e.action}): expected ${want}, got ${res.status} ${JSON.stringify(res.error ?? "")}`,
          );
      }
    }
    expect(mismatches).to.deep.equal([]);
  });
});
