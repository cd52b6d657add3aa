/**
 * Chat data written straight through Drizzle: an org, a dataset, conversations, participants,
 * messages, chunks and embeddings, so the cluster and analytics tests do not depend on the
 * ingest and embedder services. Every id the builder creates is returned for assertions.
 */
import { randomUUID } from "node:crypto";
import type { Db } from "../../models/db.ts";
import { chunks, conversations, datasets, embeddings, messages, orgs, participants } from "../../models/schema.ts";

export interface FixtureMessage {
  conversation: string;
  /** Participant name; undefined for system messages without an author. */
  author?: string;
  /** ISO instant (with its offset or Z). */
  at: string;
  text?: string;
  kind?: string;
  edited?: boolean;
}

export interface ChatFixture {
  orgId: string;
  datasetId: string;
  modelId: string;
  conversationIds: Record<string, string>;
  participantIds: Record<string, string>;
  /** Database ids of the messages, in the order given. */
  messageIds: number[];
}

/** An org (unless given) and a dataset holding the given messages. */
export async function createChatDataset(
  db: Db,
  spec: { orgId?: string; name?: string; modelId?: string; messages: FixtureMessage[] },
): Promise<ChatFixture> {
  const orgId = spec.orgId ?? (await db.insert(orgs).values({ name: "fixture org" }).returning({ id: orgs.id }))[0]!.id;
  const modelId = spec.modelId ?? "test-model";
  const [dataset] = await db
    .insert(datasets)
    .values({ orgId, name: spec.name ?? "fixture", modelId })
    .returning({ id: datasets.id });
  const datasetId = dataset!.id;

  return appendMessages(
    db,
    { orgId, datasetId, modelId, conversationIds: {}, participantIds: {}, messageIds: [] },
    spec.messages,
  );
}

/** More messages in the fixture's dataset (new conversations and participants as needed); returns the grown fixture. */
export async function appendMessages(db: Db, fixture: ChatFixture, given: FixtureMessage[]): Promise<ChatFixture> {
  const conversationIds = { ...fixture.conversationIds };
  const participantIds = { ...fixture.participantIds };
  const { orgId, datasetId } = fixture;
  for (const name of new Set(given.map((m) => m.conversation)))
    if (!conversationIds[name]) {
      const [row] = await db
        .insert(conversations)
        .values({ orgId, datasetId, sourceKey: name, name, platform: "fixture" })
        .returning({ id: conversations.id });
      conversationIds[name] = row!.id;
    }
  for (const name of new Set(given.flatMap((m) => (m.author ? [m.author] : []))))
    if (!participantIds[name]) {
      const [row] = await db
        .insert(participants)
        .values({ orgId, datasetId, sourceKey: name, displayName: name })
        .returning({ id: participants.id });
      participantIds[name] = row!.id;
    }
  const start = fixture.messageIds.length;
  const rows = given.map((m, i) => ({
    orgId,
    datasetId,
    conversationId: conversationIds[m.conversation]!,
    participantId: m.author ? participantIds[m.author]! : null,
    sourceKey: `m${start + i}`,
    ts: new Date(m.at),
    kind: m.kind ?? "text",
    text: m.text ?? "",
    edited: m.edited ?? false,
  }));
  const messageIds = [...fixture.messageIds];
  for (let i = 0; i < rows.length; i += 1000) {
    const ids = await db
      .insert(messages)
      .values(rows.slice(i, i + 1000))
      .returning({ id: messages.id });
    messageIds.push(...ids.map((r) => r.id));
  }
  return { ...fixture, conversationIds, participantIds, messageIds };
}

export interface FixtureChunk {
  /** Indexes into the fixture's messages (same conversation). */
  messages: number[];
  vector: ArrayLike<number>;
}

/** Chunks over the fixture's messages, each with an embedding of the dataset's model. */
export async function addChunks(
  db: Db,
  fixture: ChatFixture,
  specs: FixtureChunk[],
  given: FixtureMessage[],
): Promise<string[]> {
  const ids: string[] = [];
  const chunkRows = [];
  const vectorRows = [];
  for (const spec of specs) {
    const id = randomUUID();
    ids.push(id);
    const first = given[spec.messages[0]!]!;
    const last = given[spec.messages[spec.messages.length - 1]!]!;
    chunkRows.push({
      id,
      orgId: fixture.orgId,
      datasetId: fixture.datasetId,
      conversationId: fixture.conversationIds[first.conversation]!,
      chunkingVersion: "fixture",
      messageIds: spec.messages.map((i) => fixture.messageIds[i]!),
      text: spec.messages.map((i) => given[i]!.text ?? "").join("\n"),
      startTs: new Date(first.at),
      endTs: new Date(last.at),
    });
    const vector = Float32Array.from(spec.vector);
    vectorRows.push({
      chunkId: id,
      modelId: fixture.modelId,
      datasetId: fixture.datasetId,
      orgId: fixture.orgId,
      dimension: vector.length,
      vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
    });
  }
  for (let i = 0; i < chunkRows.length; i += 500) {
    await db.insert(chunks).values(chunkRows.slice(i, i + 500));
    await db.insert(embeddings).values(vectorRows.slice(i, i + 500));
  }
  return ids;
}
