import { openView } from "$lib/api/conversation-view";
import { datasetChoice, pageRead } from "$lib/api/page-load";
import type { PageLoad } from "./$types";

/**
 * The datasets to pick from, the one chosen (?dataset=…) with its conversations, and the window
 * of messages the URL asks for (?chunk=…, ?message=…, or ?conversation=… from ?at=…). Choosing
 * a conversation or a date changes the URL, and this load reads the new window;
 * `invalidate("app:conversation")` reads the same one again.
 */
export const load: PageLoad = async ({ parent, url, depends }) => {
  depends("app:conversation");
  const q = url.searchParams;
  const wanted = q.get("dataset");
  const target = {
    conversation: q.get("conversation"),
    message: q.get("message"),
    chunk: q.get("chunk"),
    at: q.get("at"),
  };
  const choice = await pageRead(parent, () => datasetChoice(wanted), "datasets.read");
  const datasetId = choice.value?.datasetId;
  const reader = datasetId
    ? await pageRead(parent, () => openView(datasetId, target), "datasets.read")
    : { value: null, error: null };
  return { choice, reader };
};
