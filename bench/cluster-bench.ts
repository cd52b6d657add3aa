// What the benchmarks that drive a process cluster through its gateway share.
import os from "node:os";
import { signUpAndLogIn } from "../test/helpers/accounts.ts";

/** The machine's load averages (1, 5, 15 min), for the record beside each number. */
export const loadAverages = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** Polls `probe` until it gives a value (a failed probe counts as none), or fails after `timeoutMs`. */
export async function poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A new account's access token (logged in from its confirmation mail), once the cluster's gateway and auth answer. */
export function signUpWhenReady(cluster: { baseUrl: string; outboxDir: string }, prefix: string): Promise<string> {
  return poll("sign-up", 120_000, async () => {
    const credentials = { email: `${prefix}-${Date.now()}@example.test`, password: "a sufficiently long password" };
    const { account } = await signUpAndLogIn(cluster.baseUrl, credentials, cluster.outboxDir);
    return account?.accessToken ?? null;
  });
}
