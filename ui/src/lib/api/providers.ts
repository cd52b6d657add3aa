export type OAuthProvider = "google" | "github";

/**
 * The OAuth providers this server has configured. The API has no endpoint that lists them
 * yet (GOOGLE_CLIENT_ID / GITHUB_CLIENT_ID are server-side settings), so none is offered:
 * showing a button that ends in an error would be worse than showing none. When such an
 * endpoint appears in openapi.json, this reads it.
 */
export async function configuredProviders(): Promise<OAuthProvider[]> {
  return [];
}
