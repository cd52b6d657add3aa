/**
 * Like Promise.all, but a failure is thrown only once every promise has ended. For work that
 * must not outlive its caller's answer: when one of a search's parallel queries is cancelled at
 * the timeout, Promise.all would answer 504 while the others still run (or wait on a lock) in
 * the database; here the answer waits until they too have ended — each has the same timeout.
 */
export async function allEnded<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled<readonly unknown[]>(promises);
  for (const s of settled) if (s.status === "rejected") throw s.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
