import { expect } from "chai";
import type { Context, Service } from "moleculer";
import type { CallMeta } from "../../../core/permissions.ts";
import { caller } from "../../helpers/http.ts";
import { tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import {
  addMember,
  asUnconfirmedFromBefore,
  logIn,
  signUp,
  startAuthPlatform,
  uniqueEmail,
  verifyEmail,
  type Account,
} from "./fixtures.ts";

describe("auth: sessions, organisations, invitations, roles, API keys, audit (HTTP)", function () {
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform({ AUTH_PURGE_INTERVAL_S: "1" });
  });
  after(async () => p?.stop());
  const call = caller(() => p.baseUrl);

  describe("sessions", () => {
    it("lists sessions with device, address and times; ends one", async () => {
      const a = await signUp(p);
      const second = await logIn(p, a.email, undefined, { "user-agent": "TestPhone/1.0" });
      const list = await call("GET", "/api/auth/sessions", a.accessToken);
      expect(list.body.items).to.have.length(2);
      const phone = list.body.items.find((s) => s.device === "TestPhone/1.0");
      expect(phone).to.include.keys("ip", "createdAt", "lastSeenAt", "expiresAt");
      expect(phone?.ip).to.match(/127\.0\.0\.1/);
      expect(list.body.items.find((s) => s.current)?.id).to.equal(a.sessionId);
      expect(
        (await call("DELETE", `/api/auth/sessions/${tokensOf(second.body).sessionId}`, a.accessToken)).status,
      ).to.equal(200);
      expect((await call("GET", "/api/auth/me", tokensOf(second.body).accessToken)).status).to.equal(401);
      expect((await call("GET", "/api/auth/sessions", a.accessToken)).body.items).to.have.length(1);
    });

    it("cannot end another user's session (404)", async () => {
      const a = await signUp(p);
      const b = await signUp(p);
      expect((await call("DELETE", `/api/auth/sessions/${b.sessionId}`, a.accessToken)).status).to.equal(404);
      expect((await call("GET", "/api/auth/me", b.accessToken)).status).to.equal(200);
    });

    it("purges expired sessions and tokens by action and by timer", async () => {
      const a = await signUp(p);
      await p.database.rows(
        (await import("drizzle-orm"))
          .sql`update sessions set expires_at = now() - interval '1 hour' where id = ${a.sessionId}`,
      );
      await p.database.rows(
        (await import("drizzle-orm"))
          .sql`update refresh_tokens set expires_at = now() - interval '1 hour' where session_id = ${a.sessionId}`,
      );
      const result = await p.broker.call<any>("auth.purgeExpired");
      expect(result.sessions).to.be.at.least(1);
      const b = await signUp(p);
      await p.database.rows(
        (await import("drizzle-orm"))
          .sql`update sessions set expires_at = now() - interval '1 hour' where id = ${b.sessionId}`,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const left = await p.database.rows(
        (await import("drizzle-orm")).sql`select id from sessions where id = ${b.sessionId}`,
      );
      expect(left).to.have.length(0);
    });
  });

  describe("organisations and members", () => {
    let owner: Account;
    before(async () => {
      owner = await signUp(p);
    });

    it("creates an org and switches to it with a new access token", async () => {
      const created = await call("POST", "/api/auth/orgs", owner.accessToken, { name: "Research" });
      expect(created.status).to.equal(201);
      const orgs = await call("GET", "/api/auth/orgs", owner.accessToken);
      expect(orgs.body.items.map((o) => o.name)).to.include("Research");
      const sw = await call("POST", "/api/auth/orgs/switch", owner.accessToken, { orgId: created.body.org.id });
      expect(sw.status).to.equal(200);
      const me = await call("GET", "/api/auth/me", sw.body.accessToken);
      expect(me.body.current.orgId).to.equal(created.body.org.id);
      expect(me.body.current.role).to.equal("owner");
      // A refresh keeps the org chosen last.
      const r = await call("POST", "/api/auth/refresh", undefined, { refreshToken: owner.refreshToken });
      expect(r.body.orgId).to.equal(created.body.org.id);
      owner.refreshToken = r.body.refreshToken!;
    });

    it("invitations: token shown once, accepted only by the matching e-mail", async () => {
      const invitee = await asUnconfirmedFromBefore(p, await signUp(p));
      const stranger = await signUp(p);
      const inv = await call("POST", "/api/auth/invitations", owner.accessToken, {
        email: invitee.email,
        role: "analyst",
      });
      expect(inv.status).to.equal(201);
      const listed = await call("GET", "/api/auth/invitations", owner.accessToken);
      expect(JSON.stringify(listed.body)).to.not.contain(inv.body.token);
      expect(
        (await call("POST", "/api/auth/invitations/accept", stranger.accessToken, { token: inv.body.token })).status,
      ).to.equal(404);
      // The invited address must be confirmed first (M5).
      const unverified = await call("POST", "/api/auth/invitations/accept", invitee.accessToken, {
        token: inv.body.token,
      });
      expect(unverified.status).to.equal(403);
      expect(unverified.error.code).to.equal("EMAIL_NOT_VERIFIED");
      await verifyEmail(p, invitee);
      const ok = await call("POST", "/api/auth/invitations/accept", invitee.accessToken, { token: inv.body.token });
      expect(ok.status).to.equal(200);
      expect(ok.body.role).to.equal("analyst");
      expect(
        (await call("POST", "/api/auth/invitations/accept", invitee.accessToken, { token: inv.body.token })).status,
      ).to.equal(404);
    });

    it("admins cannot grant more than they hold; the last owner stays", async () => {
      const admin = await addMember(
        p,
        { ...owner, orgId: (await call("GET", "/api/auth/me", owner.accessToken)).body.current.orgId! },
        "admin",
      );
      const viewer = await addMember(p, { ...owner, orgId: admin.orgId }, "viewer");
      expect(
        (await call("PATCH", `/api/auth/members/${viewer.userId}`, admin.accessToken, { role: "analyst" })).status,
      ).to.equal(200);
      expect(
        (await call("PATCH", `/api/auth/members/${viewer.userId}`, admin.accessToken, { role: "owner" })).status,
      ).to.equal(403);
      expect(
        (await call("PATCH", `/api/auth/members/${owner.userId}`, admin.accessToken, { role: "viewer" })).status,
      ).to.equal(403);
      expect(
        (await call("POST", "/api/auth/invitations", admin.accessToken, { email: uniqueEmail(), role: "owner" }))
          .status,
      ).to.equal(403);
      const last = await call("PATCH", `/api/auth/members/${owner.userId}`, owner.accessToken, { role: "admin" });
      expect(last.status).to.equal(409);
      expect(last.error.code).to.equal("LAST_OWNER");
      expect((await call("DELETE", `/api/auth/members/${owner.userId}`, owner.accessToken)).error.code).to.equal(
        "LAST_OWNER",
      );
      // The role change takes effect on the member's next request.
      expect((await call("GET", "/api/auth/members", viewer.accessToken)).status).to.equal(200);
      expect((await call("DELETE", `/api/auth/members/${viewer.userId}`, admin.accessToken)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 50));
      const gone = await call("GET", "/api/auth/members", viewer.accessToken);
      expect(gone.status).to.equal(403);
    });
  });

  describe("API keys", () => {
    it("are shown once, limited to the creator's role, resolve to their org, record last use and can be revoked", async () => {
      const owner = await signUp(p);
      const analyst = await addMember(p, owner, "analyst");
      const tooMuch = await call("POST", "/api/auth/api-keys", analyst.accessToken, {
        name: "x",
        permissions: ["datasets.read"],
      });
      expect(tooMuch.status).to.equal(403); // analysts lack apikeys.manage
      const admin = await addMember(p, owner, "admin");
      const beyond = await call("POST", "/api/auth/api-keys", admin.accessToken, {
        name: "x",
        permissions: ["org.manage"],
      });
      expect(beyond.status).to.equal(403);
      const made = await call("POST", "/api/auth/api-keys", admin.accessToken, {
        name: "ci",
        permissions: ["members.read"],
      });
      expect(made.status).to.equal(201);
      expect(made.body.key).to.match(/^cl_[A-Za-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
      expect(made.body.key.startsWith(`cl_${made.body.apiKey.prefix}_`)).to.be.true;
      const list = await call("GET", "/api/auth/api-keys", owner.accessToken);
      // The secret after "cl_<prefix>_" (it may itself hold "_"; a split on "_" once gave "", which every string contains).
      const secret = made.body.key.slice(`cl_${made.body.apiKey.prefix}_`.length);
      expect(secret).to.have.length(43);
      expect(JSON.stringify(list.body)).to.not.contain(secret);
      expect((await call("GET", "/api/auth/members", made.body.key)).status).to.equal(200);
      expect((await call("GET", "/api/auth/audit", made.body.key)).status).to.equal(403);
      expect((await call("GET", "/api/auth/me", made.body.key)).status).to.equal(403);
      const used = (await call("GET", "/api/auth/api-keys", owner.accessToken)).body.items.find(
        (k) => k.id === made.body.apiKey.id,
      );
      expect(used?.lastUsedAt).to.be.a("string");
      expect((await call("DELETE", `/api/auth/api-keys/${made.body.apiKey.id}`, owner.accessToken)).status).to.equal(
        200,
      );
      expect((await call("GET", "/api/auth/members", made.body.key)).status).to.equal(401);
      const tampered = made.body.key.slice(0, -1) + (made.body.key.endsWith("A") ? "B" : "A");
      expect((await call("GET", "/api/auth/members", tampered)).status).to.equal(401);
    });
  });

  describe("audit log", () => {
    it("records log-ins, failures, role changes, key changes; admins filter and page it", async () => {
      const owner = await signUp(p);
      await logIn(p, owner.email, "wrong password here");
      await logIn(p, owner.email);
      const admin = await addMember(p, owner, "admin");
      await call("PATCH", `/api/auth/members/${admin.userId}`, owner.accessToken, { role: "analyst" });
      const key = await call("POST", "/api/auth/api-keys", owner.accessToken, {
        name: "k",
        permissions: ["members.read"],
      });
      await call("DELETE", `/api/auth/api-keys/${key.body.apiKey.id}`, owner.accessToken);
      const all = await call("GET", "/api/auth/audit?limit=200", owner.accessToken);
      const actions = all.body.items.map((e) => e.action);
      for (const a of [
        "user.signedUp",
        "user.loggedIn",
        "member.roleChanged",
        "member.joined",
        "invitation.created",
        "apiKey.created",
        "apiKey.revoked",
      ])
        expect(actions, a).to.include(a);
      const changed = all.body.items.find((e) => e.action === "member.roleChanged");
      expect(changed).to.include({ actorId: owner.userId, target: admin.userId });
      expect(changed?.ip).to.match(/127\.0\.0\.1/);
      expect(changed?.requestId).to.be.a("string");
      const filtered = await call(
        "GET",
        `/api/auth/audit?action=apiKey.created&actorId=${owner.userId}`,
        owner.accessToken,
      );
      expect(filtered.body.items).to.have.length(1);
      const page1 = await call("GET", "/api/auth/audit?limit=2", owner.accessToken);
      expect(page1.body.items).to.have.length(2);
      const page2 = await call("GET", `/api/auth/audit?limit=2&before=${page1.body.nextBefore}`, owner.accessToken);
      expect(page2.body.items[0].id).to.be.below(page1.body.items[1].id);
      const future = await call(
        "GET",
        `/api/auth/audit?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
        owner.accessToken,
      );
      expect(future.body.items).to.have.length(0);
      // Failed log-ins carry no org: they are in the log, readable by operators.
      const failed = await p.database.rows<{ n: number }>(
        (await import("drizzle-orm"))
          .sql`select count(*)::int as n from audit_log where action = 'user.loginFailed' and actor_id = ${owner.userId}`,
      );
      expect(failed[0]!.n).to.be.at.least(1);
      expect((await call("GET", "/api/auth/audit", (await addMember(p, owner, "viewer")).accessToken)).status).to.equal(
        403,
      );
    });

    it("other services write through auth.audit (core/audit.ts's target)", async () => {
      const owner = await signUp(p);
      const { recordAudit } = await import("../../../core/audit.ts");
      p.broker.createService({
        name: "auditprobe",
        actions: {
          remove: {
            visibility: "public",
            async handler(this: Service, ctx: Context<unknown, CallMeta>) {
              await recordAudit(ctx, this.logger, "dataset.deleted", { target: "ds-1", data: { name: "old" } });
              return true;
            },
          },
        },
      });
      await p.broker.waitForServices(["auditprobe"]);
      const auth = await p.broker.call("auth.resolveCredential", { token: owner.accessToken });
      await p.broker.call("auditprobe.remove", {}, { meta: { auth, ip: "10.0.0.9" } });
      const res = await call("GET", "/api/auth/audit?action=dataset.deleted", owner.accessToken);
      expect(res.body.items[0]).to.include({
        action: "dataset.deleted",
        target: "ds-1",
        actorId: owner.userId,
        ip: "10.0.0.9",
        orgId: owner.orgId,
      });
    });
  });
});
