import { expect } from "chai";
import { hashPassword } from "../../../../services/auth/passwords.ts";
import { endSession, listSessions, listUserSessions } from "../../../../services/auth/use-cases/sessions.ts";
import { login, refresh } from "../../../../services/auth/use-cases/sign-in.ts";
import { anonymous, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: sessions", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness();
  });
  afterEach(async () => h?.close());

  it("lists the caller's active sessions, marks the current one, and ends one on request", async () => {
    const { user } = await member(h, "ama@example.org", {
      passwordHash: await hashPassword("ama's password", h.deps.hashOptions),
    });
    const open = (ip: string) =>
      login(
        h.deps,
        { meta: { ip, userAgent: `browser at ${ip}` } },
        {
          email: "ama@example.org",
          password: "ama's password",
        },
      ) as Promise<{ sessionId: string; orgId: string; refreshToken: string }>;
    const laptop = await open("192.0.2.1");
    const phone = await open("192.0.2.2");
    const as = userCaller(user.id, laptop.orgId, "owner", { sessionId: laptop.sessionId });
    const { items } = await listSessions(h.deps, as);
    expect(items.map((s) => [s.id, s.ip, s.device, s.current])).to.have.deep.members([
      [laptop.sessionId, "192.0.2.1", "browser at 192.0.2.1", true],
      [phone.sessionId, "192.0.2.2", "browser at 192.0.2.2", false],
    ]);
    expect(await endSession(h.deps, as, { id: phone.sessionId })).to.deep.equal({ ok: true });
    expect(h.ended).to.deep.equal([[phone.sessionId]]);
    expect((await listSessions(h.deps, as)).items.map((s) => s.id)).to.deep.equal([laptop.sessionId]);
    expect(await codeOf(refresh(h.deps, anonymous(), { refreshToken: phone.refreshToken }))).to.equal(
      "SESSION_REVOKED",
    );
    expect(await codeOf(endSession(h.deps, as, { id: phone.sessionId }))).to.equal("NOT_FOUND");
  });

  it("nobody ends another account's session, and operators list anyone's by address", async () => {
    const mine = await member(h, "bea@example.org", {
      passwordHash: await hashPassword("bea's password", h.deps.hashOptions),
    });
    await member(h, "cai@example.org", {
      passwordHash: await hashPassword("cai's password", h.deps.hashOptions),
    });
    const s = (await login(h.deps, anonymous(), { email: "cai@example.org", password: "cai's password" })) as {
      sessionId: string;
    };
    const as = userCaller(mine.user.id, mine.orgId, "owner");
    expect(await codeOf(endSession(h.deps, as, { id: s.sessionId }))).to.equal("NOT_FOUND");
    expect(h.ended).to.deep.equal([]);
    const listed = await listUserSessions(h.deps, { email: "CAI@example.org" });
    expect(listed.map((x) => x.id)).to.deep.equal([s.sessionId]);
    expect(listed[0]).to.not.have.property("current");
    expect(await codeOf(listUserSessions(h.deps, { email: "nobody@example.org" }))).to.equal("NOT_FOUND");
  });
});
