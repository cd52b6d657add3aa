import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/** The members and the invitations; `invalidate("app:members")` reads them again. */
export const load: PageLoad = async ({ parent, depends }) => {
  depends("app:members");
  const [members, invitations] = await Promise.all([
    pageRead(parent, async () => (await call(api.GET("/api/auth/members"))).items, "members.manage"),
    pageRead(parent, async () => (await call(api.GET("/api/auth/invitations"))).items, "members.manage"),
  ]);
  return { members, invitations };
};
