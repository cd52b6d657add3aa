import { ClientError } from "../../../core/errors.ts";
import {
  canonicalLocale,
  getUser,
  isHttpUrl,
  isTimeZone,
  publicUser,
  updateProfile as writeProfile,
  type ProfilePatch,
} from "../accounts.ts";
import { configuredProviders } from "../oauth-route.ts";
import { listUserOrgs } from "../orgs.ts";
import { invalid, userIdOf, type AuthDeps, type Caller } from "./context.ts";

/** The caller's own account: who they are, where they belong, their profile. */

export function providers(deps: AuthDeps) {
  return { providers: configuredProviders(deps.config) };
}

export async function me(deps: AuthDeps, caller: Caller) {
  const auth = caller.meta.auth;
  const user = auth?.userId ? await getUser(deps.db, auth.userId) : undefined;
  if (!auth || !user) throw new ClientError("UNAUTHORIZED", "Authentication required");
  return {
    user: publicUser(user),
    orgs: await listUserOrgs(deps.db, user.id),
    current: { orgId: auth.orgId, role: auth.role, permissions: auth.permissions, sessionId: auth.sessionId },
  };
}

export async function updateProfile(
  deps: AuthDeps,
  caller: Caller,
  p: { displayName?: string; avatarUrl?: string | null; locale?: string; timeZone?: string },
) {
  const patch: ProfilePatch = {};
  const { displayName, avatarUrl, locale, timeZone } = p;
  if (displayName !== undefined) patch.displayName = displayName;
  if (avatarUrl !== undefined) {
    if (avatarUrl !== null && avatarUrl !== "" && !isHttpUrl(avatarUrl))
      throw invalid("avatarUrl", "must be an http(s) URL");
    patch.avatarUrl = avatarUrl || null;
  }
  if (locale !== undefined) {
    const canonical = canonicalLocale(locale);
    if (!canonical) throw invalid("locale", "must be a BCP-47 language tag such as en-GB");
    patch.locale = canonical;
  }
  if (timeZone !== undefined) {
    if (!isTimeZone(timeZone)) throw invalid("timeZone", "must be an IANA time zone such as Europe/Berlin");
    patch.timeZone = timeZone;
  }
  return { user: publicUser(await writeProfile(deps.db, userIdOf(caller), patch)) };
}
