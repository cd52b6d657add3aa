import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { OAuth2Server } from "oauth2-mock-server";
import { http } from "../../helpers/http.ts";
import { tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import {
  asUnconfirmedFromBefore,
  logIn,
  signUp,
  signUpUnconfirmed,
  startAuthPlatform,
  uniqueEmail,
} from "./fixtures.ts";

/** What the next id_token (Google) or API answer (GitHub) says about the user. */
interface Identity {
  sub: string;
  email: string;
  verified: boolean;
}

describe("auth: OAuth log-in with Google and GitHub (grant, against a local OAuth2/OIDC server)", function () {
  this.timeout(90_000);
  let google: OAuth2Server;
  let github: OAuth2Server;
  let githubApi: Server;
  let p: TestPlatform;
  let next: Identity;

  before(async () => {
    google = new OAuth2Server();
    await google.issuer.keys.generate("RS256");
    await google.start(0, "127.0.0.1");
    google.service.on("beforeTokenSigning", (token) => {
      Object.assign(token.payload, {
        sub: next.sub,
        email: next.email,
        email_verified: next.verified,
        name: "Test Person",
      });
    });
    github = new OAuth2Server();
    await github.issuer.keys.generate("RS256");
    await github.start(0, "127.0.0.1");
    githubApi = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (!String(req.headers.authorization).startsWith("Bearer ")) return void res.writeHead(401).end("{}");
      if (req.url === "/user")
        return void res.end(JSON.stringify({ id: Number(next.sub), login: "octo", name: "Octo Cat" }));
      if (req.url === "/user/emails")
        return void res.end(
          JSON.stringify([
            { email: "other@example.test", primary: false, verified: true },
            { email: next.email, primary: true, verified: next.verified },
          ]),
        );
      res.writeHead(404).end("{}");
    });
    await new Promise<void>((r) => githubApi.listen(0, "127.0.0.1", r));
    p = await startAuthPlatform({
      GOOGLE_CLIENT_ID: "google-client",
      GOOGLE_CLIENT_SECRET: "google-secret",
      GOOGLE_ISSUER: google.issuer.url!,
      GITHUB_CLIENT_ID: "github-client",
      GITHUB_CLIENT_SECRET: "github-secret",
      GITHUB_AUTH_URL: `${github.issuer.url}/authorize`,
      GITHUB_TOKEN_URL: `${github.issuer.url}/token`,
      GITHUB_API_URL: `http://127.0.0.1:${(githubApi.address() as AddressInfo).port}`,
    });
  });
  after(async () => {
    await p?.stop();
    await google?.stop();
    await github?.stop();
    githubApi?.close();
  });

  /** Follows the browser's redirects by hand, carrying grant's cookie; returns the final redirect's query. */
  async function browserLogin(provider: "google" | "github"): Promise<URLSearchParams> {
    const start = await fetch(`${p.baseUrl}/api/auth/oauth/${provider}`, { redirect: "manual" });
    expect(start.status).to.equal(302);
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const authorize = new URL(start.headers.get("location")!);
    expect(authorize.searchParams.get("state")).to.be.a("string").with.length.above(10);
    expect(authorize.searchParams.get("code_challenge_method")).to.equal("S256");
    if (provider === "google") expect(authorize.searchParams.get("nonce")).to.be.a("string");
    const atProvider = await fetch(authorize, { redirect: "manual" });
    const callback = new URL(atProvider.headers.get("location")!);
    expect(callback.pathname).to.equal(`/api/auth/oauth/${provider}/callback`);
    const done = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(done.status).to.equal(302);
    const target = new URL(done.headers.get("location")!);
    expect(target.pathname).to.equal("/login/callback");
    expect(target.search).to.not.match(/token/i);
    const code = target.searchParams.get("code");
    if (code) {
      // The browser that finished the flow holds the code's binding cookie (L3).
      const binding = done.headers.getSetCookie().find((c) => c.startsWith("chatlens_oauth="));
      expect(binding, "binding cookie").to.be.a("string");
      expect(binding)
        .to.match(/HttpOnly/i)
        .and.match(/Path=\/api\/auth\/login\/oauth/);
      bindings.set(code, binding!.split(";")[0]!);
    }
    return target.searchParams;
  }

  const bindings = new Map<string, string>();
  const exchange = (code: string, cookie = bindings.get(code)) =>
    http(p.baseUrl, "POST", "/api/auth/login/oauth", { body: { code }, headers: cookie ? { cookie } : {} });

  it("Google: a new verified user gets an account, a session and a one-time code", async () => {
    next = { sub: "g-100", email: uniqueEmail("g"), verified: true };
    const q = await browserLogin("google");
    const tokens = await exchange(q.get("code")!);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(tokens.body).accessToken });
    expect(me.body.user.email).to.equal(next.email);
    expect(me.body.orgs[0].role).to.equal("owner");
    expect((await exchange(q.get("code")!)).status).to.equal(401); // single use
  });

  it("links to an existing account by verified e-mail, and the provider account stays with that user", async () => {
    const existing = await signUp(p);
    next = { sub: "g-200", email: existing.email, verified: true };
    const tokens = await exchange((await browserLogin("google")).get("code")!);
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(tokens.body).accessToken });
    expect(me.body.user.id).to.equal(existing.userId);
    // Same Google account, now claiming another address: still the user it is linked to, never a second one.
    next = { sub: "g-200", email: uniqueEmail("changed"), verified: true };
    const again = await exchange((await browserLogin("google")).get("code")!);
    expect(
      (await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(again.body).accessToken })).body.user.id,
    ).to.equal(existing.userId);
  });

  it("H1 pre-hijacking: an unverified account with the victim's address is never merged with the victim's Google sign-in", async () => {
    const victimEmail = uniqueEmail("victim");
    // The attacker signed up first with the victim's address, when unconfirmed accounts could still
    // log in (a new one cannot now: see "a squatter's sign-up …"), and brought an accomplice into that workspace.
    const attacker = await asUnconfirmedFromBefore(p, await signUp(p, victimEmail, "attacker's own password"));
    const accomplice = await signUp(p);
    const inv = await http(p.baseUrl, "POST", "/api/auth/invitations", {
      token: attacker.accessToken,
      body: { email: accomplice.email, role: "admin" },
    });
    expect(inv.status).to.equal(201);
    expect(
      (
        await http(p.baseUrl, "POST", "/api/auth/invitations/accept", {
          token: accomplice.accessToken,
          body: { token: inv.body.token },
        })
      ).status,
    ).to.equal(200);

    // The victim later signs in with Google (provider-verified address).
    next = { sub: "g-h1", email: victimEmail, verified: true };
    const tokens = await exchange((await browserLogin("google")).get("code")!);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(tokens.body).accessToken });
    expect(me.body.user.email).to.equal(victimEmail);
    expect(me.body.user.emailVerified).to.equal(true);
    expect(me.body.user.id).to.not.equal(attacker.userId);
    expect(me.body.orgs.map((o) => o.id)).to.not.include(attacker.orgId);
    const members = await http(p.baseUrl, "GET", "/api/auth/members", { token: tokensOf(tokens.body).accessToken });
    expect(members.body.items.map((m) => m.userId)).to.deep.equal([me.body.user.id]);

    // The attacker's password no longer opens anything under the victim's address...
    const attackerLogin = await logIn(p, victimEmail, "attacker's own password");
    expect(attackerLogin.status).to.equal(401);
    // ...and the accomplice sees nothing of the victim's.
    const accompliceOrgs = await http(p.baseUrl, "GET", "/api/auth/orgs", { token: accomplice.accessToken });
    expect(accompliceOrgs.body.items.map((o) => o.id)).to.not.include(me.body.orgs[0].id);
    // Nothing of the attacker's own account is deleted: it keeps its workspace under a released address.
    const attackerMe = await http(p.baseUrl, "GET", "/api/auth/me", { token: attacker.accessToken });
    expect(attackerMe.status).to.equal(200);
    expect(attackerMe.body.user.email).to.match(/@invalid$/);
    expect(attackerMe.body.orgs.map((o) => o.id)).to.include(attacker.orgId);
  });

  it("a squatter's sign-up with the victim's address never logs in, and the victim's Google sign-in takes the address", async () => {
    const victimEmail = uniqueEmail("victim");
    const squatter = await signUpUnconfirmed(p, victimEmail, "squatter's own password");
    expect((await logIn(p, victimEmail, "squatter's own password")).status).to.equal(401);
    next = { sub: "g-squat", email: victimEmail, verified: true };
    const tokens = await exchange((await browserLogin("google")).get("code")!);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(tokens.body).accessToken });
    expect(me.body.user.email).to.equal(victimEmail);
    expect(me.body.user.id).to.not.equal(squatter.userId);
    expect((await logIn(p, victimEmail, "squatter's own password")).status).to.equal(401);
  });

  it("L3 log-in CSRF: a one-time code works only from the browser that finished the flow", async () => {
    next = { sub: "g-l3", email: uniqueEmail("l3"), verified: true };
    const code = (await browserLogin("google")).get("code")!;
    // The victim's browser has no binding cookie, or another flow's.
    const noCookie = await exchange(code, "");
    expect(noCookie.status).to.equal(401);
    const otherFlow = await exchange(code, "chatlens_oauth=" + "A".repeat(43));
    expect(otherFlow.status).to.equal(401);
    // Refused attempts do not burn the code: its own browser still gets in, once.
    expect((await exchange(code)).status).to.equal(200);
    expect((await exchange(code)).status).to.equal(401);
  });

  it("refuses an unverified e-mail", async () => {
    const existing = await signUp(p);
    next = { sub: "g-300", email: existing.email, verified: false };
    const q = await browserLogin("google");
    expect(q.get("error")).to.equal("EMAIL_NOT_VERIFIED");
    expect(q.get("code")).to.equal(null);
  });

  it("refuses an id_token signed by another key", async () => {
    const rogue = new OAuth2Server();
    await rogue.issuer.keys.generate("RS256");
    rogue.issuer.url = google.issuer.url;
    const forged = await rogue.issuer.buildToken({
      scopesOrTransform: (_h, payload) =>
        Object.assign(payload, {
          iss: google.issuer.url,
          aud: "google-client",
          sub: "g-400",
          email: uniqueEmail(),
          email_verified: true,
        }),
    });
    google.service.once("beforeResponse", (response) => {
      (response.body as Record<string, unknown>).id_token = forged;
    });
    next = { sub: "g-400", email: uniqueEmail(), verified: true };
    const q = await browserLogin("google");
    expect(q.get("error")).to.equal("OAUTH_FAILED");
  });

  it("refuses a callback whose state does not match (no grant cookie)", async () => {
    const start = await fetch(`${p.baseUrl}/api/auth/oauth/google`, { redirect: "manual" });
    const atProvider = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const done = await fetch(atProvider.headers.get("location")!, { redirect: "manual" });
    expect(done.status, await done.clone().text()).to.equal(302);
    expect(new URL(done.headers.get("location")!).searchParams.get("error")).to.equal("OAUTH_FAILED");
  });

  it("refuses a callback with a state other than the one in grant's cookie", async () => {
    const start = await fetch(`${p.baseUrl}/api/auth/oauth/google`, { redirect: "manual" });
    const cookie = start.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const atProvider = await fetch(start.headers.get("location")!, { redirect: "manual" });
    const callback = new URL(atProvider.headers.get("location")!);
    callback.searchParams.set("state", "forged-state-value");
    const done = await fetch(callback, { redirect: "manual", headers: { cookie } });
    expect(new URL(done.headers.get("location")!).searchParams.get("error")).to.equal("OAUTH_FAILED");
  });

  it("GitHub: the verified primary e-mail from its API signs in", async () => {
    next = { sub: "4242", email: uniqueEmail("gh"), verified: true };
    const tokens = await exchange((await browserLogin("github")).get("code")!);
    expect(tokens.status, JSON.stringify(tokens.body)).to.equal(200);
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: tokensOf(tokens.body).accessToken });
    expect(me.body.user.email).to.equal(next.email);
    next = { sub: "4243", email: uniqueEmail("gh"), verified: false };
    expect((await browserLogin("github")).get("error")).to.equal("EMAIL_NOT_VERIFIED");
  });
});
