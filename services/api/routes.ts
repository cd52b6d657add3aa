/**
 * Every HTTP endpoint and the action behind it. Nothing else is reachable over HTTP:
 * routes use `mappingPolicy: "restrict"`, so an action without an alias has no URL.
 * Each service lists its own endpoints in its routes.ts; this file gathers them.
 */
import { AUTH_ROUTES } from "../auth/routes.ts";

export const API_ALIASES: Record<string, string> = {
  "GET /health": "api.health",
  "GET /ready": "api.ready",
  ...AUTH_ROUTES,
};

/** OpenAI-compatible endpoints, authenticated by API-key bearer tokens. */
export const OPENAI_ALIASES: Record<string, string> = {};
