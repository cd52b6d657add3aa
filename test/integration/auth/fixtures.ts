import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";

/** Cheap password hashing (production keeps the strong defaults) and a roomy log-in limit. */
export const AUTH_TEST_ENV: Record<string, string> = {
  PASSWORD_HASH_MEMORY_KIB: "1024",
  PASSWORD_HASH_TIME_COST: "1",
  LOGIN_RATE_LIMIT: "1000",
  JWT_SECRET: "test-secret-test-secret-test-secret-0123",
  MFA_ENCRYPTION_KEY: "mfa-key-mfa-key-mfa-key-mfa-key-0123456",
  OAUTH_SESSION_SECRET: "oauth-secret-oauth-secret-oauth-secret-0",
};

export function startAuthPlatform(env: Record<string, string> = {}, services: ("api" | "auth")[] = ["api", "auth"]) {
  return startTestPlatform({ services, env: { ...AUTH_TEST_ENV, ...env } });
}

export const PASSWORD = "correct horse battery staple";

export const uniqueEmail = (tag = "user") => `${tag}-${randomBytes(4).toString("hex")}@example.test`;

export interface Account {
  email: string;
  password: string;
  userId: string;
  orgId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

export async function signUp(p: TestPlatform, email = uniqueEmail(), password = PASSWORD): Promise<Account> {
  const res = await http(p.baseUrl, "POST", "/api/auth/signup", { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return {
    email,
    password,
    userId: res.body.user.id,
    orgId: res.body.orgId,
    accessToken: res.body.accessToken,
    refreshToken: res.body.refreshToken,
    sessionId: res.body.sessionId,
  };
}

export async function logIn(p: TestPlatform, email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  return http(p.baseUrl, "POST", "/api/auth/login", { body: { email, password }, headers });
}

/** A member of `owner`'s current org with `role`, signed in with that org selected. */
export async function addMember(p: TestPlatform, owner: Account, role: string): Promise<Account> {
  const member = await signUp(p, uniqueEmail(role));
  const inv = await http(p.baseUrl, "POST", "/api/auth/invitations", { token: owner.accessToken, body: { email: member.email, role } });
  expect(inv.status, JSON.stringify(inv.body)).to.equal(201);
  const acc = await http(p.baseUrl, "POST", "/api/auth/invitations/accept", { token: member.accessToken, body: { token: inv.body.token } });
  expect(acc.status, JSON.stringify(acc.body)).to.equal(200);
  const sw = await http(p.baseUrl, "POST", "/api/auth/orgs/switch", { token: member.accessToken, body: { orgId: owner.orgId } });
  expect(sw.status, JSON.stringify(sw.body)).to.equal(200);
  return { ...member, orgId: owner.orgId, accessToken: sw.body.accessToken };
}
