/**
 * Every HTTP endpoint and the action behind it. Nothing else is reachable over HTTP:
 * routes use `mappingPolicy: "restrict"`, so an action without an alias has no URL.
 * Each service lists its own endpoints in its routes.ts; this file gathers them.
 */
import { ANALYTICS_ROUTES } from "../analytics/routes.ts";
import { AUTH_ROUTES } from "../auth/routes.ts";
import { CLUSTER_ROUTES } from "../cluster/routes.ts";
import { EMBEDDER_OPENAI_ROUTES, EMBEDDER_ROUTES } from "../embedder/routes.ts";
import { INDEX_ROUTES } from "../index/routes.ts";
import { INGEST_ROUTES, INGEST_UPLOAD_ROUTES } from "../ingest/routes.ts";

export const API_ALIASES: Record<string, string> = {
  "GET /health": "api.health",
  "GET /ready": "api.ready",
  "GET /openapi.json": "api.openapi",
  "GET /docs": "api.docs",
  "GET /docs/assets/:file": "api.docsAsset",
  ...AUTH_ROUTES,
  ...EMBEDDER_ROUTES,
  ...INGEST_ROUTES,
  ...CLUSTER_ROUTES,
  ...ANALYTICS_ROUTES,
  ...INDEX_ROUTES,
};

/** Upload endpoints: request bodies stream to the action instead of being parsed. */
export const UPLOAD_ALIASES: Record<string, string> = { ...INGEST_UPLOAD_ROUTES };

/** OpenAI-compatible endpoints, authenticated by API-key bearer tokens. */
export const OPENAI_ALIASES: Record<string, string> = { ...EMBEDDER_OPENAI_ROUTES };
