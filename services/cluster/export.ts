/**
 * A run's topics and per-chunk assignments as one download (BERTopic's get_topic_info +
 * get_document_info): JSON for programs, CSV for spreadsheets. Each assignment row says
 * which conversation and time the chunk is from, so a user can find it again.
 */
import { stringify } from "csv-stringify/sync";
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { rowsOf } from "../../models/sql.ts";
import type { StoredResult } from "./runs.ts";

export interface TopicExportRow {
  chunkId: string;
  conversationId: string | null;
  conversation: string | null;
  start: string | null;
  topic: number;
  topicLabel: string;
  parent: number | null;
  parentLabel: string | null;
}

export interface TopicExport {
  runId: string;
  k: number;
  topics: { id: number; label: string; size: number; parent: number | null; terms: string[] }[];
  parents: { id: number; label: string; size: number; children: number[] }[];
  assignments: TopicExportRow[];
}

export async function buildTopicExport(
  db: Db,
  scope: { orgId: string; datasetId: string; runId: string },
  result: Pick<StoredResult, "k" | "clusters" | "hierarchy">,
  assignments: StoredResult["assignments"],
): Promise<TopicExport> {
  const where = await rowsOf<{ id: string; conversation_id: string | null; name: string | null; start_ts: unknown }>(
    db,
    sql`select c.id, c.conversation_id, v.name, c.start_ts from chunks c left join conversations v on v.id = c.conversation_id
        where c.org_id = ${scope.orgId} and c.dataset_id = ${scope.datasetId}`,
  );
  const chunkInfo = new Map(where.map((r) => [r.id, r]));
  const parentOf = result.hierarchy?.parentOf;
  const parentLabel = (id: number | null) => (id === null ? null : (result.hierarchy?.parents[id]?.label ?? null));
  const topics = result.clusters.map((c) => ({
    id: c.id,
    label: c.label,
    size: c.size,
    parent: parentOf?.[c.id] ?? null,
    terms: c.terms.map((t) => t.term),
  }));
  return {
    runId: scope.runId,
    k: result.k,
    topics,
    parents: result.hierarchy?.parents ?? [],
    assignments: assignments.chunkIds.map((chunkId, i) => {
      const topic = assignments.clusters[i]!;
      const info = chunkInfo.get(chunkId);
      const parent = parentOf?.[topic] ?? null;
      return {
        chunkId,
        conversationId: info?.conversation_id ?? null,
        conversation: info?.name ?? null,
        start: info?.start_ts ? new Date(info.start_ts as string).toISOString() : null,
        topic,
        topicLabel: topics[topic]?.label ?? "",
        parent,
        parentLabel: parentLabel(parent),
      };
    }),
  };
}

/** One row per chunk; a spreadsheet formula prefix in a label is neutralised (CSV injection). */
export function topicExportCsv(data: TopicExport): string {
  const safe = (v: string | null) => (v && /^[=+\-@\t\r]/u.test(v) ? `'${v}` : v);
  return stringify(
    data.assignments.map((a) => ({
      chunk_id: a.chunkId,
      conversation_id: a.conversationId,
      conversation: safe(a.conversation),
      start: a.start,
      topic: a.topic,
      topic_label: safe(a.topicLabel),
      parent_topic: a.parent,
      parent_label: safe(a.parentLabel),
    })),
    {
      header: true,
      columns: [
        "chunk_id",
        "conversation_id",
        "conversation",
        "start",
        "topic",
        "topic_label",
        "parent_topic",
        "parent_label",
      ],
    },
  );
}
