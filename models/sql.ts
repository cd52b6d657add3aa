/** Raw-SQL helpers for every service: identical rows on PGlite and node-postgres. */
import { sql, type SQL } from "drizzle-orm";

/** The rows of a raw query (`db.execute`): the one place that knows both drivers answer `{ rows }`. */
export async function rowsOf<T>(db: { execute(query: SQL): PromiseLike<unknown> }, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

/** `a, b, c` of bound parameters, for `in (...)`. */
export const list = (values: readonly unknown[]): SQL =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

export const instant = (date: Date): SQL => sql`${date.toISOString()}::timestamptz`;

/** Aggregates come back as strings (bigint, numeric) from node-postgres: one conversion for both drivers. */
export const num = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));
