import { session } from "$lib/stores/session.svelte";
import { api, call } from "./client";
import type { Dataset, Permission } from "./models";

/** One read of a page's load function: its answer, or the error the page shows in its place. */
export type Loaded<T> = { value: T; error: null } | { value: null; error: unknown };

/**
 * One read for a page's `load`. Awaiting `parent` (the load's own) means the root layout has
 * resolved the session. Signed out, or without every one of `permissions`, nothing is read and
 * the value is null: the layout sends a signed-out visitor to log in, and the page shows its
 * forbidden state. A failed read does not throw (SvelteKit would show its error page): the page
 * shows `error` where it showed a failed read before.
 */
export async function pageRead<T>(
  parent: () => Promise<unknown>,
  read: () => Promise<T>,
  ...permissions: Permission[]
): Promise<Loaded<T>> {
  await parent();
  if (session.status !== "signedIn" || !permissions.every((p) => session.can(p))) return { value: null, error: null };
  try {
    return { value: await read(), error: null };
  } catch (error) {
    return { value: null, error };
  }
}

/**
 * What a page with a dataset picker opens with: the datasets of the organisation and the one
 * chosen, `wanted` (the page's ?dataset=…) when it is one of them, else the first.
 */
export async function datasetChoice(wanted: string | null): Promise<{ datasets: Dataset[]; datasetId: string | null }> {
  const { items } = await call(api.GET("/api/datasets"));
  return { datasets: items, datasetId: items.find((d) => d.id === wanted)?.id ?? items[0]?.id ?? null };
}

/**
 * A read of a load whose failure does not fail the page: its part of the page shows the error
 * (or its own fallback) while the rest opens.
 */
export async function attempt<T>(read: Promise<T>): Promise<Loaded<T>> {
  try {
    return { value: await read, error: null };
  } catch (error) {
    return { value: null, error };
  }
}
