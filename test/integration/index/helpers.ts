import { expect } from "chai";
import { and, eq, gt, isNull } from "drizzle-orm";
import { chunkedImports, imports } from "../../../models/schema.ts";
import type { ServiceName } from "../../../config/index.ts";
import { http, type RequestBody } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV } from "../auth/fixtures.ts";
import {
  counts,
  createOrgAndDataset,
  EMBED_TEST_ENV,
  seedImport,
  waitFor,
  type SeedMessage,
} from "../embedder/helpers.ts";

export const INDEX_TEST_ENV: Record<string, string> = { ...AUTH_TEST_ENV, ...EMBED_TEST_ENV };
export const INDEX_SERVICES: ServiceName[] = ["api", "auth", "ingest", "embedder", "index"];

export function startIndexPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  return startTestPlatform({ services: INDEX_SERVICES, env: { ...INDEX_TEST_ENV, ...env } });
}

/**
 * A dataset of the org filled the way production fills it: messages written, import.completed
 * emitted, the embedder chunks and embeds, the index service indexes and commits a version.
 * Resolves once the index holds every chunk.
 */
export async function seedIndexedDataset(
  p: { baseUrl: string; database: TestPlatform["database"]; broker: TestPlatform["broker"] },
  owner: { orgId: string; accessToken: string },
  convs: { key: string; messages: SeedMessage[] }[],
): Promise<{ datasetId: string; importId: string; conversationIds: string[] }> {
  const db = p.database.db;
  const target = await createOrgAndDataset(db, owner.orgId);
  const seeded = await seedImport(db, target, convs);
  const total = convs.reduce((n, c) => n + c.messages.length, 0);
  await p.broker.emit("import.completed", { ...seeded, messagesAdded: total });
  await waitIndexed(p, owner, target.datasetId);
  return { datasetId: target.datasetId, importId: seeded.importId, conversationIds: seeded.conversationIds };
}

/** Waits until every chunk has a vector and the index's latest version holds them all. */
export async function waitIndexed(
  p: { baseUrl: string; database: TestPlatform["database"] },
  owner: { accessToken: string },
  datasetId: string,
) {
  return waitFor(
    "the index to hold every chunk in a version",
    async () => {
      // An import not chunked yet would pass the counts below with the chunks of earlier imports.
      const unchunked = await p.database.db
        .select({ id: imports.id })
        .from(imports)
        .leftJoin(chunkedImports, eq(chunkedImports.importId, imports.id))
        .where(
          and(
            eq(imports.datasetId, datasetId),
            eq(imports.status, "completed"),
            gt(imports.messagesAdded, 0),
            isNull(chunkedImports.importId),
          ),
        );
      if (unchunked.length > 0) return null;
      const c = await counts(p.database.db, datasetId);
      if (c.chunks === 0 || c.chunks !== c.embedded) return null;
      const status = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token: owner.accessToken });
      expect(status.status, JSON.stringify(status.body)).to.equal(200);
      const list = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/index/versions`, {
        token: owner.accessToken,
      });
      const latest = list.body.items?.[0];
      return latest && latest.manifest.vectorCount === c.chunks && status.body.index?.count === c.chunks
        ? status.body
        : null;
    },
    90_000,
  );
}

/** The body of a search request. */
export type SearchBody = RequestBody<"POST", "/api/search">;

export function search(baseUrl: string, token: string, body: SearchBody) {
  return http(baseUrl, "POST", "/api/search", { token, body });
}
