import { datasetChoice, pageRead } from "$lib/api/page-load";
import { runsOf } from "$lib/api/topic-runs";
import type { PageLoad } from "./$types";

/**
 * The datasets to pick from, the one chosen (?dataset=…: the picker changes it, and this load
 * runs again), its topic runs and the run to show first with its map.
 */
export const load: PageLoad = async ({ parent, url }) => {
  const wanted = url.searchParams.get("dataset");
  const choice = await pageRead(parent, () => datasetChoice(wanted), "clusters.read");
  const datasetId = choice.value?.datasetId;
  const topics = datasetId
    ? await pageRead(parent, () => runsOf(datasetId), "clusters.read")
    : { value: null, error: null };
  return { choice, topics };
};
