import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/** The newest 50 entries, unfiltered; filters and "more" read from the page. Members name the actors. */
export const load: PageLoad = async ({ parent }) => {
  const [audit, members] = await Promise.all([
    pageRead(parent, () => call(api.GET("/api/auth/audit", { params: { query: { limit: 50 } } })), "audit.read"),
    pageRead(parent, async () => (await call(api.GET("/api/auth/members"))).items, "audit.read"),
  ]);
  return { audit, members: members.value ?? [] };
};
