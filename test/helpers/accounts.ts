import { confirmationToken } from "../../services/auth/mail-outbox.ts";
import { http } from "./http.ts";

export { outboxDirOf } from "../../services/auth/mail-outbox.ts";

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
  const me = await http(baseUrl, "GET", "/api/auth/me", { token: login.body.accessToken });
  if (me.status !== 200) return { status: me.status, body: me.body };
  const account: SignedUp = {
    email: body.email,
    password: body.password,
    userId: me.body.user.id,
    orgId: login.body.orgId,
    accessToken: login.body.accessToken,
    refreshToken: login.body.refreshToken,
    sessionId: login.body.sessionId,
  };
  return { account, status: 200, body: login.body };
}
