import { api, call } from "$lib/api/client";
import { attempt, pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/**
 * The dataset with its imports, conversations and people, and what its cards open with: the
 * embedding progress, the index versions and the upload's formats (each of these may fail
 * alone; its card shows that). `invalidate("app:dataset")` reads them again.
 */
export const load: PageLoad = async ({ params, parent, depends }) => {
  depends("app:dataset");
  const opts = { params: { path: { datasetId: params.id } } };
  return {
    details: await pageRead(parent, async () => {
      const [dataset, imports, conversations, participants, embedding, versions, formats] = await Promise.all([
        call(api.GET("/api/datasets/{datasetId}", opts)),
        call(api.GET("/api/datasets/{datasetId}/imports", opts)),
        call(api.GET("/api/datasets/{datasetId}/conversations", opts)),
        call(api.GET("/api/datasets/{datasetId}/participants", opts)),
        attempt(call(api.GET("/api/datasets/{datasetId}/embedding", opts))),
        attempt(call(api.GET("/api/datasets/{datasetId}/index/versions", opts))),
        attempt(call(api.GET("/api/formats"))),
      ]);
      return {
        dataset,
        imports: imports.items,
        conversations: conversations.items,
        participants: participants.items,
        embedding: embedding.value,
        versions: { value: versions.value?.items ?? null, error: versions.error },
        formats: formats.value?.formats ?? [],
      };
    }),
  };
};
