/** Response bodies of the gateway's own endpoints (health, readiness), for the OpenAPI document. */
import { ANALYTICS_SCHEMAS } from "../analytics/openapi-schemas.ts";
import { AUTH_SCHEMAS } from "../auth/openapi-schemas.ts";
import { CLUSTER_SCHEMAS } from "../cluster/openapi-schemas.ts";
import { EMBEDDER_SCHEMAS } from "../embedder/openapi-schemas.ts";
import { INDEX_SCHEMAS } from "../index/openapi-schemas.ts";
import { INGEST_SCHEMAS } from "../ingest/openapi-schemas.ts";
import { constant, int, obj, oneOfValues, ref, str, type JsonSchema } from "../../core/json-schema.ts";

const check = ref("DependencyCheck");

export const API_SCHEMAS: Record<string, JsonSchema> = {
  Health: obj({ status: constant("ok"), nodeID: str, uptimeS: int }),
  DependencyCheck: obj({ status: oneOfValues(["ok", "down", "disabled"]), detail: str, latencyMs: int }, [
    "detail",
    "latencyMs",
  ]),
  /** Answered with 200 when ready and 503 (same body) when a dependency is down. */
  Readiness: obj({
    status: oneOfValues(["ready", "unavailable"]),
    checks: obj({ database: check, transporter: check, cacher: check }),
  }),
};

/** Every service's named schemas, gathered like the alias tables in routes.ts. */
export const OPENAPI_SCHEMAS = [
  API_SCHEMAS,
  AUTH_SCHEMAS,
  INGEST_SCHEMAS,
  EMBEDDER_SCHEMAS,
  CLUSTER_SCHEMAS,
  ANALYTICS_SCHEMAS,
  INDEX_SCHEMAS,
];
