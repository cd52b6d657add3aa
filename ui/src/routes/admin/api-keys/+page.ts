import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

export const load: PageLoad = async ({ parent, depends }) => {
  depends("app:api-keys");
  return {
    keys: await pageRead(parent, async () => (await call(api.GET("/api/auth/api-keys"))).items, "apikeys.manage"),
  };
};
