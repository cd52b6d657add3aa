import { ClientError } from "../../../core/errors.ts";
import { linkOrCreate, OAuthError, type ProviderIdentity } from "../oauth.ts";
import { createAuthCode } from "../sessions.ts";
import { ipOf, record, type AuthDeps, type Caller } from "./context.ts";

/**
 * The end of an OAuth log-in (the gateway's grant route calls it with the provider's verified
 * identity): the account is found, linked or made, and a one-time code for the browser answered.
 */
export async function completeOAuth(
  deps: AuthDeps,
  caller: Caller,
  identity: ProviderIdentity,
): Promise<{ code: string }> {
  try {
    const { user, linked, released } = await linkOrCreate(deps.db, identity);
    if (released)
      await record(deps, caller, "user.emailReleased", {
        outcome: "success",
        actorId: user.id,
        orgId: null,
        target: released,
        data: { reason: "oauth_verified_elsewhere", provider: identity.provider },
      });
    if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
    if (linked)
      await record(deps, caller, "oauth.linked", {
        actorId: user.id,
        orgId: null,
        target: user.id,
        data: { provider: identity.provider },
      });
    const code = await createAuthCode(deps.db, {
      userId: user.id,
      provider: identity.provider,
      device: caller.meta.userAgent ?? "",
      ip: ipOf(caller),
      ttlS: deps.config.OAUTH_CODE_TTL_S,
    });
    return { code };
  } catch (err) {
    if (err instanceof OAuthError) throw new ClientError(err.code, err.message);
    throw err;
  }
}
