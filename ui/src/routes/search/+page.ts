import { api, call } from "$lib/api/client";
import { datasetChoice, pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/**
 * The datasets to pick from, the one chosen (?dataset=…: the picker changes it, and this load
 * runs again) and its filter choices and index versions. A failed read of a filter's choices
 * offers none, as before.
 */
export const load: PageLoad = async ({ parent, url }) => {
  const wanted = url.searchParams.get("dataset");
  return {
    choice: await pageRead(
      parent,
      async () => {
        const choice = await datasetChoice(wanted);
        const id = choice.datasetId;
        if (!id) return { ...choice, conversations: [], participants: [], versions: [] };
        const opts = { params: { path: { datasetId: id } } };
        const [conversations, participants, versions] = await Promise.all([
          call(api.GET("/api/datasets/{datasetId}/conversations", opts)).then(
            (r) => r.items,
            () => [],
          ),
          call(api.GET("/api/datasets/{datasetId}/participants", opts)).then(
            (r) => r.items,
            () => [],
          ),
          call(api.GET("/api/datasets/{datasetId}/index/versions", opts)).then(
            (r) => r.items,
            () => [],
          ),
        ]);
        return { ...choice, conversations, participants, versions };
      },
      "search.run",
    ),
  };
};
