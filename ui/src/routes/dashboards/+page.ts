import { datasetChoice, pageRead } from "$lib/api/page-load";
import { activityOpening, readSearchReport, SEARCH_DEFAULTS } from "$lib/api/reports";
import type { PageLoad } from "./$types";

/**
 * The datasets to pick from, the one chosen (?dataset=…: the picker changes it, and this load
 * runs again), and what both tabs open with: the chosen dataset's activity report, people and
 * conversations, and the search report, each for its default filters.
 */
export const load: PageLoad = async ({ parent, url }) => {
  const wanted = url.searchParams.get("dataset");
  const choice = await pageRead(parent, () => datasetChoice(wanted), "analytics.read");
  const datasetId = choice.value?.datasetId ?? null;
  const [activity, search] = await Promise.all([
    datasetId
      ? pageRead(parent, () => activityOpening(datasetId), "analytics.read")
      : Promise.resolve({ value: null, error: null }),
    pageRead(parent, () => readSearchReport(datasetId, SEARCH_DEFAULTS), "analytics.read"),
  ]);
  return { choice, activity, search };
};
