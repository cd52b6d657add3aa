/** Raw-SQL helpers for every service: identical rows on PGlite and node-postgres. */
import { sql, type SQL } from "drizzle-orm";

/** The rows of a raw query (`db.execute`): the one place that knows both drivers answer `{ rows }`. */
export async function rowsOf<T>(db: { execute(query: SQL): PromiseLike<unknown> }, query: SQL): Promise<T[]> {
  const result = await db.execute(query);
  // The one assertion left: the query builder both drivers share types the answer as unknown
  // (node-postgres answers a QueryResult, PGlite a Results, both with `rows`), and `T` is the
  // caller's word for the columns its raw SQL selects, which no type can check.
  return (result as { rows: T[] }).rows;
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
