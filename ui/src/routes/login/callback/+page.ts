import { redirect } from "@sveltejs/kit";
import { session } from "$lib/stores/session.svelte";
import type { PageLoad } from "./$types";

/**
 * The OAuth provider sent the browser back here with a one-time code (or ?error=CODE): the code
 * is exchanged once, when this page opens. Signed in, the app opens; a second factor asks for
 * its code; a failure is shown.
 */
export const load: PageLoad = async ({ parent, url }) => {
  await parent();
  const code = url.searchParams.get("code");
  const failed = url.searchParams.get("error");
  if (failed || !code)
    return {
      challenge: null,
      error: { error: { code: failed ?? "OAUTH_FAILED", message: "Sign-in was not completed" } },
    };
  let res;
  try {
    res = await session.loginOAuth(code);
  } catch (error) {
    return { challenge: null, error };
  }
  if ("mfaRequired" in res) return { challenge: res.challengeToken, error: null };
  redirect(307, "/datasets");
};
