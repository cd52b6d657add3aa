import { configuredProviders } from "$lib/api/providers";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

export const load: PageLoad = async ({ parent }) => ({
  configured: await pageRead(parent, async () => (await configuredProviders()).map((p) => p.id), "members.manage"),
});
