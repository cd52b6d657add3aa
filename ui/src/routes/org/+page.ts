import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/** The members, and the invitations for whoever may manage them; `invalidate("app:members")` reads the members again. */
export const load: PageLoad = async ({ parent, depends }) => {
  depends("app:members");
  const [members, invitations] = await Promise.all([
    pageRead(parent, async () => (await call(api.GET("/api/auth/members"))).items, "members.read"),
    pageRead(parent, async () => (await call(api.GET("/api/auth/invitations"))).items, "members.manage"),
  ]);
  return { members, invitations };
};
