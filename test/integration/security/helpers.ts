import { expect } from "chai";
import type { ServiceName } from "../../../config/index.ts";
import { http } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp, type Account } from "../auth/fixtures.ts";
import { whatsappLines } from "../ingest/generators.ts";
import { createDataset, uploadFile, waitForImport } from "../ingest/helpers.ts";

export { signUp, type Account };

/** Upload, import and keyword search: what an attacking and a bystanding tenant both use. */
export const SECURITY_SERVICES: ServiceName[] = ["api", "auth", "ingest", "index"];

export function startSecurityPlatform(
  env: Record<string, string> = {},
  services = SECURITY_SERVICES,
): Promise<TestPlatform> {
  return startTestPlatform({ services, env: { ...AUTH_TEST_ENV, ...env } });
}

/** The word only the bystander's chat holds. */
export const MARKER = "zebrafish";

export interface Tenant {
  account: Account;
  datasetId: string;
  /** Messages stored before any attack. */
  messages: number;
}

/** An org with one imported chat: the tenant an attack must not hurt, or the attacker's own earlier data. */
export async function tenantWithChat(p: TestPlatform, count = 30): Promise<Tenant> {
  const account = await signUp(p);
  const datasetId = await createDataset(p, account);
  const chat = whatsappLines(0, count - 1) + `01/02/2021, 10:00 - Ann: the ${MARKER} tank needs cleaning\n`;
  const res = await uploadFile(p, account.accessToken, datasetId, {
    name: "WhatsApp Chat with Friends.txt",
    content: chat,
  });
  expect(res.status, JSON.stringify(res.body)).to.equal(202);
  const row = await waitForImport(p, account.accessToken, res.body.id);
  expect(row.status, JSON.stringify(row.error)).to.equal("completed");
  return { account, datasetId, messages: count };
}

export function keywordSearch(p: TestPlatform, t: Tenant, query = MARKER) {
  return http(p.baseUrl, "POST", "/api/search", {
    token: t.account.accessToken,
    body: { datasetId: t.datasetId, query, mode: "keyword" },
  });
}

/**
 * A hang guard, not a speed claim: the attacks of issue 15 held every tenant for 10 s to 24 min,
 * so a probe that waits this long means the event loop was taken.
 */
export const PROBE_GUARD_MS = 15_000;

function guarded<T>(what: string, request: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${PROBE_GUARD_MS} ms during the attack`)),
      PROBE_GUARD_MS,
    );
  });
  return Promise.race([request, guard]).finally(() => clearTimeout(timer));
}

/** `/api/health` and the bystander's search both answer, with the bystander's hit. */
export async function expectServing(p: TestPlatform, bystander: Tenant): Promise<void> {
  const [health, found] = await Promise.all([
    guarded("/api/health", http(p.baseUrl, "GET", "/api/health")),
    guarded("another org's search", keywordSearch(p, bystander)),
  ]);
  expect(health.status, JSON.stringify(health.body)).to.equal(200);
  expect(found.status, JSON.stringify(found.body)).to.equal(200);
  expect(found.body.items.map((i) => i.message.text).join(" ")).to.contain(MARKER);
}

/**
 * Runs an attack while probing the platform from another tenant, as the issue asks: the probes
 * start with the attack and go on until it has answered, and every one must succeed.
 */
export async function duringAttack<T>(p: TestPlatform, bystander: Tenant, attack: () => Promise<T>): Promise<T> {
  let done = false;
  let probes = 0;
  const probing = (async () => {
    do {
      await expectServing(p, bystander);
      probes++;
    } while (!done);
  })();
  try {
    return await attack();
  } finally {
    done = true;
    await probing;
    expect(probes).to.be.at.least(1);
  }
}

/** Nothing the tenant had stored before is lost. */
export async function expectIntact(p: TestPlatform, t: Tenant): Promise<void> {
  const ds = await http(p.baseUrl, "GET", `/api/datasets/${t.datasetId}`, { token: t.account.accessToken });
  expect(ds.status).to.equal(200);
  expect(ds.body.messageCount).to.equal(t.messages);
}
