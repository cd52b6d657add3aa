import type { ServiceSchema } from "moleculer";
import type { ServiceName } from "../config/index.ts";
import type { AppContext } from "../core/app-context.ts";

type Factory = (app: AppContext) => ServiceSchema | ServiceSchema[];

/**
 * The services a node can run, loaded lazily so that a gateway node never loads the
 * model runtime and an embedder node never opens an HTTP port.
 */
const CATALOG: Partial<Record<ServiceName, () => Promise<Factory>>> = {
  api: async () => (await import("../services/api/api.service.ts")).default,
  auth: async () => (await import("../services/auth/auth.service.ts")).default,
  embedder: async () => (await import("../services/embedder/embedder.service.ts")).default,
  ingest: async () => (await import("../services/ingest/ingest.service.ts")).default,
  index: async () => (await import("../services/index/index.service.ts")).default,
  cluster: async () => (await import("../services/cluster/cluster.service.ts")).default,
  analytics: async () => (await import("../services/analytics/analytics.service.ts")).default,
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
