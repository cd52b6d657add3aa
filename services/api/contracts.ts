import { z } from "zod";
import { contract } from "../../core/define-action.ts";
import { ref, str } from "../../core/json-schema.ts";

/**
 * The gateway's own actions, declared once: liveness, readiness, the OpenAPI document and the
 * interactive docs. All public (no account): probes and documentation readers have none. Their
 * params are not strict, so a probe's or a browser's stray query string is ignored as before.
 * Handlers are in api.service.ts, the request handling in requests.ts, the paths in routes.ts.
 */

const none = z.object({});

export const health = contract({
  auth: "public",
  openapi: { summary: "Liveness of this node", response: ref("Health") },
  params: none,
});

export const openapi = contract({
  auth: "public",
  openapi: { summary: "This OpenAPI document", response: { type: "object", additionalProperties: true } },
  params: none,
});

export const docs = contract({
  auth: "public",
  openapi: { summary: "Interactive API documentation (Swagger UI)", content: { "text/html": str } },
  params: none,
});

export const docsAsset = contract({
  auth: "public",
  openapi: { summary: "A Swagger UI asset", content: { "text/css": str, "application/javascript": str } },
  params: z.object({ file: z.string().max(64) }),
});

export const ready = contract({
  auth: "public",
  openapi: {
    summary: "Readiness: 503 when the database or transporter is down; a cacher outage is reported but serving goes on",
    response: ref("Readiness"),
  },
  params: none,
});
