// What the benchmarks that drive a process cluster through its gateway share.
import os from "node:os";
import { http } from "../test/helpers/http.ts";

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

/** A new account's access token, once the cluster's gateway and auth answer. */
export function signUpWhenReady(baseUrl: string, prefix: string): Promise<string> {
  return poll("sign-up", 120_000, async () => {
    // Sign-up answers 202 without tokens (the same for a taken address): log in after it.
    const credentials = { email: `${prefix}-${Date.now()}@example.test`, password: "a sufficiently long password" };
    if ((await http(baseUrl, "POST", "/api/auth/signup", { body: credentials })).status !== 202) return null;
    const r = await http(baseUrl, "POST", "/api/auth/login", { body: credentials });
    return r.status === 200 ? (r.body.accessToken as string) : null;
  });
}
