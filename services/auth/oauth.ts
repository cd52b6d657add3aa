import { and, eq } from "drizzle-orm";
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Db } from "../../models/db.ts";
import { oauthAccounts } from "../../models/schema.ts";
import {
  createUserWithOrg,
  findUserByEmail,
  getUser,
  isUniqueViolation,
  normaliseEmail,
  releaseUnverifiedEmail,
  type UserRow,
} from "./accounts.ts";

export const OAUTH_PROVIDERS = ["google", "github"] as const;
export type OAuthProvider = (typeof OAUTH_PROVIDERS)[number];

/** Who the provider says signed in. Only a provider-verified e-mail links or creates accounts. */
export interface ProviderIdentity {
  provider: OAuthProvider;
  providerAccountId: string;
  email?: string | null;
  emailVerified: boolean;
  displayName?: string;
  avatarUrl?: string;
}

export class OAuthError extends Error {
  constructor(
    readonly code: "OAUTH_FAILED" | "EMAIL_NOT_VERIFIED" | "ACCOUNT_DISABLED",
    message: string,
  ) {
    super(message);
  }
}

export interface OidcDiscovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

export async function discover(issuer: string): Promise<OidcDiscovery> {
  const res = await fetch(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`, {
    signal: AbortSignal.timeout(5000),
  });
  if (!res.ok) throw new Error(`OpenID discovery at ${issuer} answered ${res.status}`);
  return (await res.json()) as OidcDiscovery;
}

const jwksCache = new Map<string, JWTVerifyGetKey>();

/** Google's id_token: signature against the provider's JWKS, issuer, audience, expiry. */
export async function verifyGoogleIdToken(
  idToken: string,
  o: { issuer: string; jwksUri: string; clientId: string },
): Promise<ProviderIdentity> {
  let jwks = jwksCache.get(o.jwksUri);
  if (!jwks) jwksCache.set(o.jwksUri, (jwks = createRemoteJWKSet(new URL(o.jwksUri))));
  let payload;
  try {
    ({ payload } = await jwtVerify(idToken, jwks, {
      issuer: o.issuer,
      audience: o.clientId,
      algorithms: ["RS256", "ES256", "PS256"],
    }));
  } catch (err) {
    throw new OAuthError("OAUTH_FAILED", `id_token rejected: ${(err as Error).message}`);
  }
  if (typeof payload.sub !== "string") throw new OAuthError("OAUTH_FAILED", "id_token has no subject");
  return {
    provider: "google",
    providerAccountId: payload.sub,
    email: typeof payload.email === "string" ? payload.email : null,
    emailVerified: payload.email_verified === true || payload.email_verified === "true",
    displayName: typeof payload.name === "string" ? payload.name : undefined,
    avatarUrl: typeof payload.picture === "string" ? payload.picture : undefined,
  };
}

/** GitHub has no id_token: the profile and the verified primary address come from its API. */
export async function fetchGithubIdentity(accessToken: string, apiUrl: string): Promise<ProviderIdentity> {
  const get = async (path: string) => {
    const res = await fetch(`${apiUrl.replace(/\/$/, "")}${path}`, {
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: "application/vnd.github+json",
        "user-agent": "chatlens",
      },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) throw new OAuthError("OAUTH_FAILED", `GitHub ${path} answered ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  const user = (await get("/user")) as { id?: number | string; name?: string; login?: string; avatar_url?: string };
  if (user.id === undefined) throw new OAuthError("OAUTH_FAILED", "GitHub user has no id");
  const emails = (await get("/user/emails")) as { email: string; primary: boolean; verified: boolean }[];
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary && e.verified) : undefined;
  return {
    provider: "github",
    providerAccountId: String(user.id),
    email: primary?.email ?? null,
    emailVerified: !!primary,
    displayName: user.name ?? user.login,
    avatarUrl: user.avatar_url,
  };
}

/**
 * The chatlens user for a provider identity: the one already linked; else the account whose
 * address is verified and equal to the provider-verified one (linked now); else a new account
 * with its own organisation. An account holding the address unverified gives it up first
 * (`released` names it).
 * The (provider, account id) primary key keeps one provider account from ever linking to
 * two users.
 */
export async function linkOrCreate(
  db: Db,
  id: ProviderIdentity,
): Promise<{ user: UserRow; linked: boolean; created: boolean; released?: string }> {
  const [existing] = await db
    .select()
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.provider, id.provider), eq(oauthAccounts.providerAccountId, id.providerAccountId)))
    .limit(1);
  if (existing) {
    const user = await getUser(db, existing.userId);
    if (!user) throw new OAuthError("OAUTH_FAILED", "Linked account no longer exists");
    return { user, linked: false, created: false };
  }
  if (!id.email || !id.emailVerified)
    throw new OAuthError("EMAIL_NOT_VERIFIED", "The provider did not confirm a verified e-mail address");

  let user = await findUserByEmail(db, id.email);
  let released: string | undefined;
  // Never link to an address nobody has proven (H1): the unverified account yields the address.
  if (user && !user.emailVerified) {
    if (await releaseUnverifiedEmail(db, user.id)) released = user.id;
    user = await findUserByEmail(db, id.email);
    if (user && !user.emailVerified) throw new OAuthError("OAUTH_FAILED", "Could not claim the address");
  }
  let created = false;
  if (!user) {
    const made = await createUserWithOrg(db, {
      email: normaliseEmail(id.email),
      passwordHash: null,
      displayName: id.displayName ?? "",
      emailVerified: true,
    });
    user = made?.user ?? (await findUserByEmail(db, id.email));
    created = !!made;
  }
  if (!user) throw new OAuthError("OAUTH_FAILED", "Could not create the account");
  try {
    await db.insert(oauthAccounts).values({
      provider: id.provider,
      providerAccountId: id.providerAccountId,
      userId: user.id,
      email: normaliseEmail(id.email),
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    // A concurrent callback linked it first: use whoever it was linked to.
    return linkOrCreate(db, id);
  }
  return { user, linked: true, created, released };
}
