/**
 * Every HTTP endpoint and the action behind it. Nothing else is reachable over HTTP:
 * routes use `mappingPolicy: "restrict"`, so an action without an alias here has no URL.
 */
export const API_ALIASES: Record<string, string> = {
  "GET /health": "api.health",
  "GET /ready": "api.ready",
};

/** OpenAI-compatible endpoints, authenticated by API-key bearer tokens. */
export const OPENAI_ALIASES: Record<string, string> = {};
