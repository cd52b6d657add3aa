import { redirect } from "@sveltejs/kit";
import { api, call } from "$lib/api/client";
import { safeNext } from "$lib/util/next";
import { session } from "$lib/stores/session.svelte";
import type { PageLoad } from "./$types";

/**
 * The link from the confirmation mail, opened signed in: it confirms the address of that
 * account once, when the page opens, then continues to ?next=… (e.g. the invitation that was
 * waiting) or says it is done. Signed out, nothing is read: the page asks for the account's
 * password (a new account logs in from this link).
 */
export const load: PageLoad = async ({ parent, url }) => {
  await parent();
  const token = url.searchParams.get("token") ?? "";
  const next = safeNext(url.searchParams.get("next"));
  if (!token || session.status !== "signedIn") return { confirmed: null };
  try {
    await call(api.POST("/api/auth/email/verify", { body: { token } }));
  } catch (error) {
    return { confirmed: { ok: false as const, error } };
  }
  await session.reload();
  if (next) redirect(307, next);
  return { confirmed: { ok: true as const, error: null } };
};
