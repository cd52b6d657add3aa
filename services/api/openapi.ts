import { ERROR_CODES } from "../../core/errors.ts";
import type { ActionOpenApi } from "../../core/define-action.ts";
import { nullable, ref, type JsonSchema } from "../../core/json-schema.ts";

/**
 * Builds the OpenAPI 3.1 document from what is really served: the gateway's alias tables and
 * each action's fastest-validator `params`. Nothing is written twice, so the document (and the
 * UI client generated from it) cannot drift from the code.
 */

type FvRule = string | Record<string, unknown> | FvRule[];

export interface ActionDoc {
  name: string;
  params?: Record<string, FvRule>;
  /** Route and query parameters of an action whose params are the body's stream (an upload). */
  queryParams?: Record<string, FvRule>;
  description?: string;
  auth?: "public" | "user";
  permissions?: string[];
  /** Optional extra documentation on an action (see core/define-action.ts). */
  openapi?: ActionOpenApi;
}

export interface RouteTable {
  prefix: string;
  aliases: Record<string, string>;
  /** "json" (default), "multipart" or "stream". */
  body?: "json" | "upload";
  /** Name of the components schema of this route's error bodies (default "Error"). */
  errorSchema?: string;
}

const SHORTHAND = /^([a-z]+)(\|.*)?$/;

function parseShorthand(rule: string): Record<string, unknown> {
  const m = SHORTHAND.exec(rule);
  if (!m) return { type: "any" };
  const out: Record<string, unknown> = { type: m[1] };
  for (const part of (m[2] ?? "").split("|").filter(Boolean)) {
    const [k, v] = part.split(":");
    out[k] = v === undefined ? true : Number.isNaN(Number(v)) ? v : Number(v);
  }
  return out;
}

/** Converts one fastest-validator rule to JSON Schema; returns the schema and whether it is optional. */
export function ruleToSchema(rule: FvRule): { schema: JsonSchema; optional: boolean } {
  if (Array.isArray(rule)) {
    const parts = rule.map(ruleToSchema);
    return { schema: { anyOf: parts.map((p) => p.schema) }, optional: parts.every((p) => p.optional) };
  }
  const r = typeof rule === "string" ? parseShorthand(rule) : rule;
  const optional = r.optional === true || r.default !== undefined;
  const s: JsonSchema = {};
  switch (r.type) {
    case "string":
      s.type = "string";
      if (r.min !== undefined) s.minLength = r.min;
      if (r.max !== undefined) s.maxLength = r.max;
      if (r.length !== undefined) s.minLength = s.maxLength = r.length;
      if (r.pattern) s.pattern = String(r.pattern instanceof RegExp ? r.pattern.source : r.pattern);
      if (Array.isArray(r.enum)) s.enum = r.enum;
      break;
    case "email":
      Object.assign(s, { type: "string", format: "email" });
      if (r.max !== undefined) s.maxLength = r.max;
      break;
    case "url":
      Object.assign(s, { type: "string", format: "uri" });
      break;
    case "uuid":
      Object.assign(s, { type: "string", format: "uuid" });
      break;
    case "date":
      Object.assign(s, { type: "string", format: "date-time" });
      break;
    case "number":
      s.type = r.integer ? "integer" : "number";
      if (r.min !== undefined) s.minimum = r.min;
      if (r.max !== undefined) s.maximum = r.max;
      if (r.positive) s.exclusiveMinimum = 0;
      break;
    case "boolean":
      s.type = "boolean";
      break;
    case "enum":
      s.enum = r.values;
      break;
    case "equal":
      s.const = r.value;
      break;
    case "array":
      s.type = "array";
      if (r.items) s.items = ruleToSchema(r.items as FvRule).schema;
      if (r.min !== undefined) s.minItems = r.min;
      if (r.max !== undefined) s.maxItems = r.max;
      break;
    case "object":
      Object.assign(s, r.props ? propsToSchema(r.props as Record<string, FvRule>) : { type: "object" });
      break;
    case "record":
      Object.assign(s, {
        type: "object",
        additionalProperties: r.value ? ruleToSchema(r.value as FvRule).schema : true,
      });
      break;
    case "multi":
      return ruleToSchema(r.rules as FvRule[]);
    default:
      break;
  }
  if (r.default !== undefined && typeof r.default !== "function") s.default = r.default;
  if (typeof r.description === "string") s.description = r.description;
  if (r.nullable === true) return { schema: nullable(s), optional };
  return { schema: s, optional };
}

export function propsToSchema(props: Record<string, FvRule>): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const [name, rule] of Object.entries(props)) {
    if (name.startsWith("$$")) continue;
    const { schema, optional } = ruleToSchema(rule);
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

const ERROR_SCHEMA: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: Object.keys(ERROR_CODES) },
        message: { type: "string" },
        requestId: { type: "string" },
        data: {},
      },
    },
  },
};

function toOpenApiPath(path: string): { path: string; pathParams: string[] } {
  const pathParams: string[] = [];
  const converted = path.replace(/:([A-Za-z0-9_]+)/g, (_, name: string) => {
    pathParams.push(name);
    return `{${name}}`;
  });
  return { path: converted, pathParams };
}

const operationId = (action: string) => action.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

/** Merges the services' named schemas; a name two services define would silently shadow one of them. */
function mergeSchemas(tables: Record<string, JsonSchema>[]): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = { Error: ERROR_SCHEMA };
  for (const table of tables)
    for (const [name, schema] of Object.entries(table)) {
      if (name in out) throw new Error(`OpenAPI schema ${name} is defined twice`);
      out[name] = schema;
    }
  return out;
}

export function buildOpenApi(
  routes: RouteTable[],
  actions: Map<string, ActionDoc>,
  info: { version: string },
  schemas: Record<string, JsonSchema>[] = [],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    for (const [key, target] of Object.entries(route.aliases)) {
      const [method, rawPath] = key.split(/\s+/);
      const actionName = target.replace(/^(multipart|stream):/, "");
      const action = actions.get(actionName);
      const { path, pathParams } = toOpenApiPath(route.prefix + (rawPath === "/" ? "" : rawPath));
      const props = { ...(action?.params ?? action?.queryParams ?? {}) };
      const parameters: unknown[] = pathParams.map((name) => {
        const rule = props[name];
        delete props[name];
        return { name, in: "path", required: true, schema: rule ? ruleToSchema(rule).schema : { type: "string" } };
      });
      const op: Record<string, unknown> = {
        operationId: operationId(actionName),
        summary: action?.openapi?.summary ?? action?.description ?? actionName,
        tags: action?.openapi?.tags ?? [actionName.split(".")[0]],
        parameters,
      };
      const isQuery = method === "GET" || method === "DELETE";
      const upload = target.startsWith("multipart:") || target.startsWith("stream:");
      if (isQuery || upload)
        for (const [name, rule] of Object.entries(props)) {
          if (name.startsWith("$$")) continue;
          const { schema, optional } = ruleToSchema(rule);
          parameters.push({ name, in: "query", required: !optional, schema });
        }
      if (target.startsWith("multipart:")) {
        op.requestBody = {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                properties: { file: { type: "string", format: "binary" } },
                required: ["file"],
              },
            },
          },
        };
      } else if (target.startsWith("stream:")) {
        op.requestBody = {
          required: true,
          content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
        };
      } else if (!isQuery && Object.keys(props).some((k) => !k.startsWith("$$"))) {
        op.requestBody = { required: true, content: { "application/json": { schema: propsToSchema(props) } } };
      }
      const doc = action?.openapi;
      const ok = String(doc?.successStatus ?? 200);
      const bodies: Record<string, JsonSchema> = {
        ...(doc?.response || !doc?.content ? { "application/json": doc?.response ?? {} } : {}),
        ...doc?.content,
      };
      op.responses = {
        [ok]: {
          description: "Success",
          content: Object.fromEntries(Object.entries(bodies).map(([type, schema]) => [type, { schema }])),
        },
        default: {
          description: "Error",
          content: { "application/json": { schema: ref(route.errorSchema ?? "Error") } },
        },
      };
      if (action?.auth !== "public") op.security = [{ bearer: [] }];
      if (action?.permissions?.length) op["x-permissions"] = action.permissions;
      (paths[path] ??= {})[method.toLowerCase()] = op;
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "chatlens API",
      version: info.version,
      description:
        "Authenticate with `POST /api/auth/login` (after signing up with `POST /api/auth/signup`), then send the " +
        "returned access token as `Authorization: Bearer <token>`. Access tokens are short-lived: exchange the " +
        "refresh token at `POST /api/auth/refresh`. For programs, create an API key (`cl_…`) in the organisation " +
        "settings and send it the same way; the `/v1` endpoints are OpenAI-compatible.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "Access token (JWT) or API key (cl_…)" },
      },
      schemas: mergeSchemas(schemas),
    },
    paths,
  };
}
