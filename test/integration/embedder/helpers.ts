import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, count, eq } from "drizzle-orm";
import type { ServiceBroker } from "moleculer";
import type { Db } from "../../../models/db.ts";
import {
  chunks,
  conversations,
  datasets,
  embeddings,
  imports,
  messages,
  orgs,
  participants,
} from "../../../models/schema.ts";

/** One models folder per test run: every node builds USE-lite into it once (well under a second). */
const modelsDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-embedder-it-"));
process.once("exit", () => rmSync(modelsDir, { recursive: true, force: true }));

/** Small and single-threaded: the test machines have two shared cores. */
export const EMBED_TEST_ENV: Record<string, string> = {
  MODELS_DIR: modelsDir,
  EMBEDDER_THREADS: "1",
  EMBED_BATCH_CHUNKS: "8",
};

export interface SeedMessage {
  text: string;
  /** Minutes after the conversation's start. */
  at: number;
  author?: string;
  kind?: string;
}

export interface Seeded {
  orgId: string;
  datasetId: string;
  importId: string;
  conversationIds: string[];
}

export async function createOrgAndDataset(db: Db, orgId: string = randomUUID(), modelId = "use-lite") {
  await db
    .insert(orgs)
    .values({ id: orgId, name: `org ${orgId.slice(0, 8)}` })
    .onConflictDoNothing();
  const [ds] = await db.insert(datasets).values({ orgId, name: "chats", modelId }).returning({ id: datasets.id });
  return { orgId, datasetId: ds!.id };
}

/** Writes one import's messages the way ingest does (dataset, import, conversations, participants, messages). */
export async function seedImport(
  db: Db,
  target: { orgId: string; datasetId: string },
  convs: { key: string; messages: SeedMessage[] }[],
  start = new Date("2024-03-01T10:00:00Z"),
): Promise<Seeded> {
  const { orgId, datasetId } = target;
  const [imp] = await db
    .insert(imports)
    // As the importer records it: what the import added (the embedder chunks imports that added messages).
    .values({
      orgId,
      datasetId,
      filename: "chat.txt",
      status: "completed",
      messagesRead: convs.reduce((n, c) => n + c.messages.length, 0),
      messagesAdded: convs.reduce((n, c) => n + c.messages.length, 0),
    })
    .returning({ id: imports.id });
  const conversationIds: string[] = [];
  for (const conv of convs) {
    await db
      .insert(conversations)
      .values({ orgId, datasetId, sourceKey: conv.key, name: conv.key, platform: "generic" })
      .onConflictDoNothing();
    const [c] = await db
      .select({ id: conversations.id })
      .from(conversations)
      .where(and(eq(conversations.datasetId, datasetId), eq(conversations.sourceKey, conv.key)));
    conversationIds.push(c!.id);
    const authors = [...new Set(conv.messages.map((m) => m.author ?? "Ada"))];
    for (const name of authors)
      await db
        .insert(participants)
        .values({ orgId, datasetId, sourceKey: name, displayName: name })
        .onConflictDoNothing();
    const people = await db.select().from(participants).where(eq(participants.datasetId, datasetId));
    const rows = conv.messages.map((m) => ({
      orgId,
      datasetId,
      conversationId: c!.id,
      participantId: people.find((p) => p.sourceKey === (m.author ?? "Ada"))!.id,
      importId: imp!.id,
      sourceKey: `${conv.key}:${m.at}:${m.text}`,
      ts: new Date(start.getTime() + m.at * 60_000),
      kind: m.kind ?? "text",
      text: m.text,
    }));
    for (let i = 0; i < rows.length; i += 500) await db.insert(messages).values(rows.slice(i, i + 500));
  }
  return { orgId, datasetId, importId: imp!.id, conversationIds };
}

const TOPICS = [
  "the train to Lisbon leaves at nine tomorrow morning",
  "did anyone book the hotel near the beach yet",
  "my laptop crashed again while compiling the project",
  "we should order pizza for the team meeting",
  "the concert tickets sold out in ten minutes",
  "remember to water the plants while I am away",
];

/** A conversation of `n` messages in bursts separated by long gaps, so it makes many chunks. */
export function chatter(n: number, key = "general"): { key: string; messages: SeedMessage[] } {
  return {
    key,
    messages: Array.from({ length: n }, (_, i) => ({
      text: `${TOPICS[i % TOPICS.length]} (${key} #${i})`,
      at: Math.floor(i / 3) * 90 + (i % 3),
      author: i % 2 ? "Grace" : "Ada",
    })),
  };
}

export async function counts(db: Db, datasetId: string, modelId = "use-lite") {
  const [c] = await db.select({ n: count() }).from(chunks).where(eq(chunks.datasetId, datasetId));
  const [e] = await db
    .select({ n: count() })
    .from(embeddings)
    .where(and(eq(embeddings.datasetId, datasetId), eq(embeddings.modelId, modelId)));
  return { chunks: Number(c!.n), embedded: Number(e!.n) };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | false | undefined | null>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitUntilEmbedded(db: Db, datasetId: string, timeoutMs = 180_000) {
  return waitFor(
    "every chunk to have a vector",
    async () => {
      const c = await counts(db, datasetId);
      return c.chunks > 0 && c.chunks === c.embedded ? c : null;
    },
    timeoutMs,
  );
}

/**
 * Collects the payloads of an event: one listener service, present on every given broker under
 * one name, so each event is counted once whichever node it is balanced to.
 */
export function collectEvents<T>(
  brokers: ServiceBroker | ServiceBroker[],
  event: string,
): T[] & { service: string; event: string; nodeIDs: string[] } {
  const name = `collect-${event.replace(/\W/g, "-")}-${randomUUID().slice(0, 8)}`;
  const list = [brokers].flat();
  const seen = Object.assign([] as T[], { service: name, event, nodeIDs: list.map((b) => b.nodeID) });
  for (const broker of list)
    broker.createService({ name, events: { [event]: (ctx: { params: T }) => void seen.push(ctx.params) } } as never);
  return seen;
}

/**
 * Waits until every broker knows the listeners that collectEvents made on the given nodes: a new
 * service's INFO reaches the other nodes asynchronously. A polled condition instead of a fixed
 * sleep, which a busy machine could outlast.
 */
export async function listenersKnown(
  brokers: ServiceBroker[],
  collected: { service: string; event: string; nodeIDs: string[] },
): Promise<void> {
  await waitFor(`every node to know the ${collected.event} listeners`, async () =>
    brokers.every((b) => {
      const endpoints = b.registry.events.getAllEndpoints(collected.event, [collected.service]) as unknown as {
        id: string;
      }[];
      return collected.nodeIDs.every((id) => endpoints.some((e) => e.id === id));
    }),
  );
}

type Registry = { embed(...args: unknown[]): Promise<unknown> };

/** Makes every batch on a node take at least `ms`, so a test can stop the node mid-dataset. */
export function slowDown(broker: ServiceBroker, ms: number): void {
  const registry = (broker.getLocalService("embedder") as unknown as { registry: Registry }).registry;
  const embed = registry.embed.bind(registry);
  registry.embed = async (...args) => {
    await new Promise((r) => setTimeout(r, ms));
    return embed(...args);
  };
}
