import { api, call } from "$lib/api/client";
import { pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/** The dataset with its imports, conversations and people; `invalidate("app:dataset")` reads them again. */
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends("app:dataset");
  const opts = { params: { path: { datasetId: params.id } } };
  return {
    details: await pageRead(parent, async () => {
      const [dataset, imports, conversations, participants] = await Promise.all([
        call(api.GET("/api/datasets/{datasetId}", opts)),
        call(api.GET("/api/datasets/{datasetId}/imports", opts)),
        call(api.GET("/api/datasets/{datasetId}/conversations", opts)),
        call(api.GET("/api/datasets/{datasetId}/participants", opts)),
      ]);
      return { dataset, imports: imports.items, conversations: conversations.items, participants: participants.items };
    }),
  };
};
