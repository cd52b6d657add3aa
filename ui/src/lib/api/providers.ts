import { api, call } from "./client";
import type { components } from "./schema";

/** A sign-in provider this server has credentials for; `startUrl` begins its OAuth log-in. */
export type SignInProvider = components["schemas"]["OAuthProvider"];
export type OAuthProvider = SignInProvider["id"];

/** Every provider the web app knows how to offer, with the server settings that turn it on. */
export const KNOWN_PROVIDERS: { id: OAuthProvider; name: string; vars: [string, string] }[] = [
  { id: "google", name: "Google", vars: ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"] },
  { id: "github", name: "GitHub", vars: ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"] },
];

/** The OAuth providers this server has configured (GET /api/auth/providers, public). */
export async function configuredProviders(): Promise<SignInProvider[]> {
  return (await call(api.GET("/api/auth/providers"))).providers;
}
