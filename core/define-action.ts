import type {
  ActionCacheOptions,
  ActionParams,
  ActionParamSchema,
  ActionSchema,
  ActionVisibility,
  BulkheadOptions,
  Context,
  RetryPolicyOptions,
} from "moleculer";
import type { Readable } from "node:stream";
import { Errors } from "moleculer";
import { z } from "zod";
import { holdStreamErrors } from "./body-stream.ts";
import type { JsonSchema } from "./json-schema.ts";
import type { CallMeta, Permission } from "./permissions.ts";

/**
 * One declaration per action contract. `params` is a zod object: the handler's parameter type
 * is inferred from it, Moleculer's validator gets the equivalent fastest-validator rules
 * (`zodToValidatorRules`, so validation, coercion and error answers stay those of the broker's
 * validator), and the OpenAPI document is built from those rules (services/api/openapi.ts).
 * `openapi.response` documents the success body; `openapi.successStatus` is also the status
 * the gateway answers with (unless the handler sets one), `location` its Location header.
 *
 *   export const createOrg = contract({
 *     visibility: "published", auth: "user",
 *     params: z.object({ name: z.string().trim().min(1).max(120) }).strict(),
 *     openapi: { summary: "Create an organisation", response: ref("Org"), successStatus: 201 },
 *     location: "/api/auth/orgs",
 *   });
 *   actions: { createOrg: defineAction(createOrg, (ctx) => orgs.createOrg(deps, ctx, ctx.params)) }
 */

/** What an action documents about itself in the OpenAPI document (read by services/api/openapi.ts). */
export interface ActionOpenApi {
  summary?: string;
  tags?: string[];
  /** The JSON body of the success answer. */
  response?: JsonSchema;
  /** Bodies of other media types (an HTML page, a CSV download). */
  content?: Record<string, JsonSchema>;
  /** The success status (default 200). */
  successStatus?: number;
}

/** What handlers may read and set in `ctx.meta`: the caller (see core/permissions.ts) and the HTTP answer's status and headers. */
export interface ActionMeta extends CallMeta {
  $statusCode?: number;
  /** The answer's Content-Type when it is not JSON (a CSV or HTML download). */
  $responseType?: string;
  $location?: string;
  $responseHeaders?: Record<string, string | string[]>;
}

export type ParamsSchema = z.ZodObject;

/** An action's declaration: everything but its handler. */
export interface ActionContract<S extends ParamsSchema = ParamsSchema> {
  params: S;
  visibility?: ActionVisibility;
  /** `"public"`: anyone; `"user"`: any signed-in user (see core/permissions.ts). */
  auth?: "public" | "user";
  /** Permissions in the caller's current organisation that the action needs. */
  permissions?: Permission[];
  openapi?: ActionOpenApi;
  timeout?: number;
  retryPolicy?: RetryPolicyOptions;
  bulkhead?: BulkheadOptions;
  /** The load-balancing strategy of calls to this action (a registered strategy's name). */
  strategy?: string;
  /** That strategy's options (the Shard strategy's `shardKey`). */
  strategyOptions?: Record<string, unknown>;
  cache?: boolean | ActionCacheOptions;
  description?: string;
  /** The Location header of the success answer (with `openapi.successStatus` 201). */
  location?: string;
}

/** The context a contract's handler receives: its params as validated, the call's meta. */
export type ActionContext<C extends ActionContract> = Context<z.output<C["params"]>, ActionMeta>;

/** Declares a contract (a typed identity: keeps the zod type of `params` for `defineAction`). */
export const contract = <S extends ParamsSchema>(c: ActionContract<S>): ActionContract<S> => c;

/** The Moleculer action of a contract and its handler. */
export function defineAction<C extends ActionContract, R>(
  c: C,
  handler: (ctx: ActionContext<C>) => R | Promise<R>,
): ActionSchema {
  const { params, location, ...action } = c;
  const status = action.openapi?.successStatus;
  return {
    ...action,
    params: zodToValidatorRules(params),
    async handler(ctx: ActionContext<C>) {
      const result = await handler(ctx);
      if (status !== undefined && status !== 200) ctx.meta.$statusCode ??= status;
      if (location !== undefined) ctx.meta.$location ??= location;
      return result;
    },
  };
}

/**
 * An action whose params are a request body's stream (an upload): its route and query-string
 * parameters arrive in `meta.$params` and are declared as `query`. They are checked by the
 * broker's validator, with its coercions and error answers, before the body is read. The body's
 * errors are held from the first moment (core/body-stream.ts).
 */
export interface StreamActionContract<Q extends ParamsSchema = ParamsSchema> extends Omit<ActionContract, "params"> {
  query: Q;
}

export const streamContract = <Q extends ParamsSchema>(c: StreamActionContract<Q>): StreamActionContract<Q> => c;

/** What a stream action's handler reads from `ctx.meta` besides the usual: the gateway's route and query parameters, the file's name. */
export interface StreamMeta extends ActionMeta {
  $params?: Record<string, unknown>;
  /** The multipart file's name (moleculer-web). */
  filename?: string;
}

/** The Moleculer action of a stream contract; the handler gets the body stream and the checked query. */
export function defineStreamAction<C extends StreamActionContract, R>(
  c: C,
  handler: (ctx: Context<Readable, StreamMeta>, query: z.output<C["query"]>) => R | Promise<R>,
): ActionSchema {
  const { query, location, ...action } = c;
  const rules = zodToValidatorRules(query);
  const status = action.openapi?.successStatus;
  type Check = (value: object) => true | unknown[] | Promise<true | unknown[]>;
  let check: Check | undefined;
  return {
    ...action,
    queryParams: rules,
    async handler(ctx: Context<Readable, StreamMeta>) {
      holdStreamErrors(ctx.params);
      check ??= ctx.broker.validator!.compile(rules) as Check;
      // A copy: the validator converts (and trims) in place.
      const params = { ...ctx.meta.$params };
      const checked = await check(params);
      if (checked !== true)
        throw new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", checked);
      const result = await handler(ctx, params as z.output<C["query"]>);
      if (status !== undefined && status !== 200) ctx.meta.$statusCode ??= status;
      if (location !== undefined) ctx.meta.$location ??= location;
      return result;
    },
  };
}

type Rule = ActionParamSchema;

interface Check {
  check: string;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
  tx?: (input: string) => string;
}

const checksOf = (schema: z.ZodType): Check[] =>
  ((schema.def as { checks?: { _zod: { def: Check } }[] }).checks ?? []).map((c) => c._zod.def);

const metaOf = (schema: z.ZodType): Record<string, unknown> => z.globalRegistry.get(schema) ?? {};

function unsupported(what: string): never {
  throw new Error(
    `defineAction: ${what} has no fastest-validator equivalent; declare it with the supported zod subset`,
  );
}

/** zod's `.trim()` is an opaque overwrite step: recognised by what it does. */
const isTrim = (tx: ((input: string) => string) | undefined) => !!tx && tx("  a b  ") === "a b";

function stringRule(schema: z.ZodType): Rule {
  const def = schema.def as { format?: string; pattern?: RegExp };
  const rule: Rule = { type: def.format === "email" ? "email" : def.format === "uuid" ? "uuid" : "string" };
  if (def.format && def.format !== "email" && def.format !== "uuid") unsupported(`string format ${def.format}`);
  for (const c of checksOf(schema)) {
    if (c.check === "min_length") rule.min = c.minimum;
    else if (c.check === "max_length") rule.max = c.maximum;
    else if (c.check === "length_equals") rule.length = c.length;
    else if (c.check === "string_format" && c.format === "regex" && c.pattern) rule.pattern = c.pattern;
    else if (c.check === "overwrite" && isTrim(c.tx)) rule.trim = true;
    else unsupported(`string check ${c.check}${c.format ? ` (${c.format})` : ""}`);
  }
  return rule;
}

function numberRule(schema: z.ZodType, coerce: boolean): Rule {
  const rule: Rule = { type: "number", ...(coerce ? { convert: true } : {}) };
  for (const c of checksOf(schema)) {
    if (c.check === "number_format" && (c.format === "safeint" || c.format === "int32")) rule.integer = true;
    else if (c.check === "greater_than" && c.value === 0 && !c.inclusive) rule.positive = true;
    else if (c.check === "greater_than" && c.inclusive) rule.min = c.value;
    else if (c.check === "less_than" && c.inclusive) rule.max = c.value;
    else unsupported(`number check ${c.check}`);
  }
  return rule;
}

/** The fastest-validator rule equivalent to one zod schema. */
export function zodToRule(schema: z.ZodType): Rule {
  const def = schema.def as {
    type: string;
    coerce?: boolean;
    innerType?: z.ZodType;
    defaultValue?: unknown;
    element?: z.ZodType;
    entries?: Record<string, string>;
    values?: unknown[];
    options?: z.ZodType[];
  };
  switch (def.type) {
    case "optional":
      return { ...zodToRule(def.innerType!), optional: true };
    case "nullable":
      return { ...zodToRule(def.innerType!), nullable: true };
    case "default":
      return { ...zodToRule(def.innerType!), default: def.defaultValue };
    case "string":
      return stringRule(schema);
    case "number":
      return numberRule(schema, !!def.coerce);
    case "boolean":
      return { type: "boolean", ...(def.coerce ? { convert: true } : {}) };
    case "date":
      return { type: "date", ...(def.coerce ? { convert: true } : {}) };
    case "enum":
      return { type: "enum", values: Object.values(def.entries!) };
    case "literal":
      return { type: "equal", value: def.values![0], strict: true };
    case "array": {
      const rule: Rule = { type: "array", items: zodToRule(def.element!) };
      for (const c of checksOf(schema)) {
        if (c.check === "min_length") rule.min = c.minimum;
        else if (c.check === "max_length") rule.max = c.maximum;
        else unsupported(`array check ${c.check}`);
      }
      // JSON Schema's name for it, so the same `.meta({ uniqueItems: true })` documents it too.
      if (metaOf(schema).uniqueItems === true) rule.unique = true;
      // `.meta({ singleAsArray: true })`: one value given alone (`?ids=x` in a query string) is a list of one.
      if (metaOf(schema).singleAsArray === true) rule.convert = true;
      return rule;
    }
    case "union":
      // One of several shapes (a string or a list of strings): fastest-validator's multi rule.
      return { type: "multi", rules: def.options!.map(zodToRule) };
    case "record":
    case "unknown":
      return def.type === "record" ? { type: "object" } : { type: "any" };
    case "object": {
      // Nested, `$$strict` is a meta key the validator ignores: the object rule's own `strict` refuses unknown keys.
      const { $$strict, ...props } = zodToValidatorRules(schema as z.ZodObject);
      return { type: "object", ...($$strict === true ? { strict: true } : {}), props };
    }
    default:
      return unsupported(`zod type ${def.type}`);
  }
}

/** The `params` of a Moleculer action: one rule per property; `.strict()` objects refuse unknown keys. */
export function zodToValidatorRules(schema: z.ZodObject): ActionParams {
  const rules: ActionParams = {};
  if (schema.def.catchall?._zod.def.type === "never") rules.$$strict = true;
  for (const [name, field] of Object.entries(schema.shape)) rules[name] = zodToRule(field as z.ZodType);
  return rules;
}
