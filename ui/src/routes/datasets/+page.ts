import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

export const load: PageLoad = async ({ parent }) => ({
  datasets: await pageRead(parent, async () => (await call(api.GET("/api/datasets"))).items),
});
