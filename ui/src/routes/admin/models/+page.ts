import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

export const load: PageLoad = async ({ parent }) => ({
  models: await pageRead(
    parent,
    async () => (await call(api.GET("/api/models"))).items,
    "models.read",
    "members.manage",
  ),
});
