import { confirmationToken } from "../../services/auth/mail-outbox.ts";
import type { components } from "../../ui/src/lib/api/schema.d.ts";
import { http } from "./http.ts";

export { outboxDirOf } from "../../services/auth/mail-outbox.ts";

type LoginResponse = components["schemas"]["LoginResponse"];
type TokenResponse = components["schemas"]["TokenResponse"];
type MfaChallenge = components["schemas"]["MfaChallenge"];

function isChallenge(body: LoginResponse): body is MfaChallenge {
  return typeof body === "object" && body !== null && "mfaRequired" in body;
}

/**
 * The tokens of a login answer (log-in, sign-up confirmation, OAuth code exchange), which is
 * either tokens or an MFA challenge; throws on a challenge, which the caller did not expect.
 */
export function tokensOf(body: LoginResponse): TokenResponse {
  if (isChallenge(body)) throw new Error("expected tokens, got an MFA challenge");
  return body;
}

/** The MFA challenge of a login answer; throws on tokens, which the caller did not expect. */
export function challengeOf(body: LoginResponse): MfaChallenge {
  if (!isChallenge(body)) throw new Error(`expected an MFA challenge, got ${JSON.stringify(body)}`);
  return body;
}

/** A signed-up, logged-in account, as tests use it. */
export interface SignedUp {
  email: string;
  password: string;
  userId: string;
  orgId: string;
  accessToken: string;
  refreshToken: string;
  sessionId: string;
}

/**
 * Signs up through HTTP and logs in the way a new user does: sign-up answers 202 without tokens
 * (the same for a new and a taken address), the confirmation mail arrives in the platform's local
 * mail sink (`outboxDir`), and its link with the password opens the first session. Undefined
 * when a step is refused, with the refusing answer's status, so callers that wait for a cluster
 * to settle can retry.
 */
export async function signUpAndLogIn(
  baseUrl: string,
  body: { email: string; password: string; displayName?: string },
  outboxDir: string,
): Promise<{ account?: SignedUp; status: number; body: unknown }> {
  const signup = await http(baseUrl, "POST", "/api/auth/signup", { body });
  if (signup.status !== 202) return { status: signup.status, body: signup.body };
  const login = await http(baseUrl, "POST", "/api/auth/signup/confirm", {
    body: { token: await confirmationToken(outboxDir, body.email), password: body.password },
  });
  if (login.status !== 200) return { status: login.status, body: login.body };
  const tokens = tokensOf(login.body);
  const me = await http(baseUrl, "GET", "/api/auth/me", { token: tokens.accessToken });
  if (me.status !== 200) return { status: me.status, body: me.body };
  // A new account always has its own organisation, and an API client gets its refresh token.
  if (tokens.orgId === null || tokens.refreshToken === null)
    throw new Error("sign-up answered no org or refresh token");
  const account: SignedUp = {
    email: body.email,
    password: body.password,
    userId: me.body.user.id,
    orgId: tokens.orgId,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    sessionId: tokens.sessionId,
  };
  return { account, status: 200, body: login.body };
}
