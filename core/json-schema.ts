/**
 * Builders for the JSON Schema (2020-12, as OpenAPI 3.1 uses it) that actions declare as their
 * response bodies in `openapi.response`. Plain values: each service's openapi-schemas.ts uses
 * these without importing Moleculer, and the gateway gathers the named ones into the document.
 */
export type JsonSchema = Record<string, unknown>;

/** A named schema of `components.schemas`: openapi-typescript turns it into a named type. */
export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

export const str: JsonSchema = { type: "string" };
export const int: JsonSchema = { type: "integer" };
export const num: JsonSchema = { type: "number" };
export const bool: JsonSchema = { type: "boolean" };
export const uuid: JsonSchema = { type: "string", format: "uuid" };
/** Dates leave the services as JSON-serialised Date objects: ISO 8601 strings. */
export const dateTime: JsonSchema = { type: "string", format: "date-time" };
/** A calendar day, YYYY-MM-DD. */
export const day: JsonSchema = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };

export const arrayOf = (items: JsonSchema): JsonSchema => ({ type: "array", items });
export const oneOfValues = (values: readonly (string | number | boolean)[]): JsonSchema => ({ enum: [...values] });
export const constant = (value: string | number | boolean): JsonSchema => ({ const: value });
/** An object with arbitrary keys, each value matching `value`. */
export const record = (value: JsonSchema = {}): JsonSchema => ({ type: "object", additionalProperties: value });

/** `schema` or JSON null. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema.type === "string" && !("$ref" in schema)) return { ...schema, type: [schema.type, "null"] };
  return { anyOf: [schema, { type: "null" }] };
}

/**
 * A closed object: every property required except those named in `optional`. Closed so the
 * contract test fails when a handler starts returning a field the document does not describe.
 */
export function obj(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

/** `{ items: [...] }`, the list envelope most endpoints answer with. */
export const itemsOf = (item: JsonSchema): JsonSchema => obj({ items: arrayOf(item) });

/** `{ ok: true }`, what actions that only confirm answer. */
export const OK: JsonSchema = obj({ ok: constant(true) });
