import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import { users, type Role } from "../../../models/schema.ts";
import { outboxDirOf, signUpAndLogIn, type SignedUp } from "../../helpers/accounts.ts";
import { linkIn, readOutbox, type OutboxMail } from "../../../services/auth/mail-outbox.ts";
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
  const res = await signUpAndLogIn(p.baseUrl, { email, password }, outboxDirOf(p.config));
  expect(res.account, `${res.status} ${JSON.stringify(res.body)}`).to.not.equal(undefined);
  return res.account!;
}

/**
 * Signs up over HTTP and stops there, as someone without the address's mailbox would: the account
 * exists unconfirmed and cannot log in. Its id comes from the database.
 */
export async function signUpUnconfirmed(p: TestPlatform, email = uniqueEmail(), password = PASSWORD) {
  const res = await http(p.baseUrl, "POST", "/api/auth/signup", { body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).to.equal(202);
  const [row] = await p.database.db.select().from(users).where(eq(users.email, email.toLowerCase()));
  expect(row, `no account for ${email}`).to.not.equal(undefined);
  return { email, password, userId: row!.id };
}

/**
 * Turns a signed-in account back into one whose address is unconfirmed, as every account that
 * logged in before log-in required a confirmed address is (its sessions still work): the
 * platform's protections for such accounts (no invitations, no OAuth linking, H1) must hold.
 */
export async function asUnconfirmedFromBefore(p: TestPlatform, a: Account): Promise<Account> {
  await p.database.db.update(users).set({ emailVerified: false }).where(eq(users.id, a.userId));
  return a;
}

export async function logIn(p: TestPlatform, email: string, password = PASSWORD, headers: Record<string, string> = {}) {
  return http(p.baseUrl, "POST", "/api/auth/login", { body: { email, password }, headers });
}

/** A message from the platform's local mail sink (MAIL_OUTBOX_DIR, by default DATA_DIR/outbox). */
export type SentMail = OutboxMail;

export function outbox(p: TestPlatform): SentMail[] {
  return readOutbox(outboxDirOf(p.config));
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
  const url = linkIn(mail!.text);
  expect(url, mail!.text).to.not.equal(undefined);
  return { mail: mail!, token: url!.searchParams.get("token")!, url: url! };
}

/** Confirms a signed-in account's address with the newest link mailed to it (an account from before, see asUnconfirmedFromBefore). */
export async function verifyEmail(p: TestPlatform, a: Pick<Account, "email" | "accessToken">) {
  const { token } = lastMailTo(p, a.email, /confirm/i);
  const res = await http(p.baseUrl, "POST", "/api/auth/email/verify", { token: a.accessToken, body: { token } });
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  expect(res.body.user.emailVerified).to.equal(true);
}

/** A member of `owner`'s current org with `role`, signed in with that org selected. */
export async function addMember(p: TestPlatform, owner: Account, role: Role): Promise<Account> {
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
