import { session } from "$lib/stores/session.svelte";
import type { LayoutLoad } from "./$types";

// A client-side app: the gateway serves index.html for every path that is not an API route.
export const ssr = false;
export const prerender = false;

/**
 * Resolves who is signed in before any page loads (the pages' loads await `parent()`): the
 * refresh cookie is tried once; signed out, the layout sends a protected page to log in.
 */
export const load: LayoutLoad = async () => {
  await session.init();
};
