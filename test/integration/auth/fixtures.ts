import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { signUpAndLogIn, type SignedUp } from "../../helpers/accounts.ts";
import { http } from "../../helpers/http.ts";
import type { ServiceName } from "../../../config/index.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";

/** Cheap password hashing (production keeps the strong defaults) and a roomy log-in limit. */
export const AUTH_TEST_ENV: Record<string, string> = {
  PASSWORD_HASH_MEMORY_KIB: "1024",
  PASSWORD_HASH_TIME_COST: "1",
  LOGIN_RATE_LIMIT: "1000",
  CREDENTIAL_RATE_LIMIT: "1000",
  JWT_SECRET: "test-secret-test-secret-test-secret-0123",
  MFA_ENCRYPTION_KEY: "mfa-key-mfa-key-mfa-key-mfa-key-0123456",
  OAUTH_SESSION_SECRET: "oauth-secret-oauth-secret-oauth-secret-0",
};

export function startAuthPlatform(env: Record<string, string> = {}, services: ServiceName[] = ["api", "auth"]) {
  return startTestPlatform({ services, env: { ...AUTH_TEST_ENV, ...env } });
}

export const PASSWORD = "correct horse battery staple";

export const uniqueEmail = (tag = "user") => `${tag}-${randomBytes(4).toString("hex")}@example.test`;

export type Account = SignedUp;

export async function signUp(p: TestPlatform, email = uniqueEmail(), password = PASSWORD): Promise<Account> {
  const res = await signUpAndLogIn(p.baseUrl, { email, password });
  expect(res.account, `${res.status} ${JSON.stringify(res.body)}`).to.not.equal(undefined);
  return res.account!;
}

export async function logIn(p: TestPlatform, email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  return http(p.baseUrl, "POST", "/api/auth/login", { body: { email, password }, headers });
}

/** A message from the platform's local mail sink (MAIL_OUTBOX_DIR, by default DATA_DIR/outbox). */
export interface SentMail {
  to: string;
  subject: string;
  text: string;
  file: string;
}

export function outbox(p: TestPlatform): SentMail[] {
  const dir = p.config.MAIL_OUTBOX_DIR ?? path.join(p.config.dataDir, "outbox");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("."))
    .sort()
    .map((f) => {
      const m = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
      const to = Array.isArray(m.to)
        ? m.to.map((t: { address: string }) => t.address).join(", ")
        : String(m.to?.address ?? m.to);
      return { to, subject: String(m.subject), text: String(m.text), file: f };
    });
}

/** The newest mail to `email` whose subject matches, and the token in its link. */
export function lastMailTo(
  p: TestPlatform,
  email: string,
  subject: RegExp,
): { mail: SentMail; token: string; url: URL } {
  const mail = outbox(p)
    .filter((m) => m.to.toLowerCase() === email.toLowerCase() && subject.test(m.subject))
    .pop();
  expect(mail, `no mail "${subject}" to ${email}`).to.not.equal(undefined);
  const link = /https?:\/\/\S+/.exec(mail!.text)?.[0];
  expect(link, mail!.text).to.be.a("string");
  const url = new URL(link!);
  return { mail: mail!, token: url.searchParams.get("token")!, url };
}

/** Confirms the account's address the way its owner does: the link from the mail, while logged in. */
export async function verifyEmail(p: TestPlatform, a: Pick<Account, "email" | "accessToken">) {
  const { token } = lastMailTo(p, a.email, /confirm/i);
  const res = await http(p.baseUrl, "POST", "/api/auth/email/verify", { token: a.accessToken, body: { token } });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  expect(res.body.user.emailVerified).to.equal(true);
}

/** A member of `owner`'s current org with `role`, signed in with that org selected. */
export async function addMember(p: TestPlatform, owner: Account, role: string): Promise<Account> {
  const member = await signUp(p, uniqueEmail(role));
  await verifyEmail(p, member);
  const inv = await http(p.baseUrl, "POST", "/api/auth/invitations", {
    token: owner.accessToken,
    body: { email: member.email, role },
  });
  expect(inv.status, JSON.stringify(inv.body)).to.equal(201);
  const acc = await http(p.baseUrl, "POST", "/api/auth/invitations/accept", {
    token: member.accessToken,
    body: { token: inv.body.token },
  });
  expect(acc.status, JSON.stringify(acc.body)).to.equal(200);
  const sw = await http(p.baseUrl, "POST", "/api/auth/orgs/switch", {
    token: member.accessToken,
    body: { orgId: owner.orgId },
  });
  expect(sw.status, JSON.stringify(sw.body)).to.equal(200);
  return { ...member, orgId: owner.orgId, accessToken: sw.body.accessToken };
}
