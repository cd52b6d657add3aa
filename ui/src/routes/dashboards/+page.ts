import { datasetChoice, pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/** The datasets to pick from and the one to open (?dataset=…, read once: the picker keeps it in the URL). */
export const load: PageLoad = async ({ parent, url, untrack }) => {
  const wanted = untrack(() => url.searchParams.get("dataset"));
  return { choice: await pageRead(parent, () => datasetChoice(wanted), "analytics.read") };
};
