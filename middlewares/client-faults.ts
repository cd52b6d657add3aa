import { Errors, type ActionHandler, type ActionSchema, type Context } from "moleculer";
import { ClientError } from "../core/errors.ts";
import type { ChatlensMiddleware } from "../types/middleware.ts";

/**
 * Keeps the caller's faults the caller's (issue 15 M1, L6). A NUL byte, a date PostgreSQL cannot
 * hold or a lone surrogate used to reach the database and come back as a 500 with the SQL text:
 * the circuit breaker counted those as server faults, and 20 of them from one org cut every org
 * off the service for its half-open time.
 *
 * Two guards, both cheap: published actions refuse such values in their (validated) params with
 * VALIDATION_ERROR naming the field, and any action turns a database "data exception" (SQLSTATE
 * class 22: bad character, value out of range, invalid datetime) into a 422 without its SQL.
 */

/** Values looked at per call at most: params are validated and bounded, this only caps the walk. */
const MAX_VALUES = 100_000;
/** PostgreSQL's timestamp range is wider, but JS dates outside these years are never a chat's. */
const MIN_YEAR = 1;
const MAX_YEAR = 9999;

interface BadValue {
  field: string;
  message: string;
}

/** The first value PostgreSQL would refuse in a call's params (after validation and conversion). */
export function findBadValue(params: unknown): BadValue | undefined {
  let budget = MAX_VALUES;
  const stack: { value: unknown; field: string }[] = [{ value: params, field: "" }];
  while (stack.length > 0 && budget-- > 0) {
    const { value, field } = stack.pop()!;
    if (typeof value === "string") {
      if (value.includes("\u0000")) return { field: field || "params", message: "must not contain NUL characters" };
    } else if (value instanceof Date) {
      const year = value.getUTCFullYear();
      if (Number.isNaN(year) || year < MIN_YEAR || year > MAX_YEAR)
        return { field: field || "params", message: `must be a date between the years ${MIN_YEAR} and ${MAX_YEAR}` };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], field: `${field}[${i}]` });
    } else if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (key.includes("\u0000"))
          return { field: field || "params", message: "keys must not contain NUL characters" };
        stack.push({ value: child, field: field ? `${field}.${key}` : key });
      }
    }
  }
  return undefined;
}

/** Streams (uploads), buffers and class instances are not walked: only what a JSON body or query can hold. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A database error of SQLSTATE class 22 (data exception), as node-postgres or PGlite raise it, possibly wrapped by Drizzle. */
export function isDataException(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code)) return true;
  }
  return false;
}

export const ClientFaultsMiddleware = {
  name: "ClientFaults",
  localAction(handler: ActionHandler, action: ActionSchema) {
    // Moleculer's default visibility is "published".
    const published = action.visibility === undefined || action.visibility === "published";
    return async function clientFaults(ctx: Context) {
      if (published) {
        const bad = findBadValue(ctx.params);
        if (bad)
          throw new Errors.ValidationError("Parameters validation error!", "VALIDATION_ERROR", [
            { type: "custom", field: bad.field, message: `${bad.field} ${bad.message}` },
          ]);
      }
      try {
        return await handler(ctx);
      } catch (err) {
        if (isDataException(err))
          throw new ClientError(
            "VALIDATION_ERROR",
            "A value is out of range or holds a character that cannot be stored",
          );
        throw err;
      }
    };
  },
} satisfies ChatlensMiddleware;
