import type { ServiceSchema } from "moleculer";
import type { ServiceName } from "../config/index.ts";
import type { AppContext } from "./app-context.ts";

type Factory = (app: AppContext) => ServiceSchema | ServiceSchema[];

/**
 * The services a node can run, loaded lazily so that a gateway node never loads the
 * model runtime and an embedder node never opens an HTTP port.
 */
const CATALOG: Partial<Record<ServiceName, () => Promise<Factory>>> = {
  api: async () => (await import("./api/api.service.ts")).default,
  auth: async () => (await import("./auth/auth.service.ts")).default,
  embedder: async () => (await import("./embedder/embedder.service.ts")).default,
  ingest: async () => (await import("./ingest/ingest.service.ts")).default,
  index: async () => (await import("./index/index.service.ts")).default,
  cluster: async () => (await import("./cluster/cluster.service.ts")).default,
  analytics: async () => (await import("./analytics/analytics.service.ts")).default,
};

export async function loadServiceSchemas(names: readonly ServiceName[], app: AppContext): Promise<ServiceSchema[]> {
  const out: ServiceSchema[] = [];
  for (const name of names) {
    const load = CATALOG[name];
    if (!load) continue;
    out.push(...[(await load())(app)].flat());
  }
  return out;
}
