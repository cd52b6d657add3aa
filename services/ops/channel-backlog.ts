import { connect } from "nats";
import { datasetsWithPendingWork } from "../../lib/embed-backlog.ts";
import type { Db } from "../../models/db.ts";

/** One durable channel's queue as JetStream holds it: messages stored, and per consumer group what waits. */
export interface ChannelBacklog {
  /** The JetStream stream (`<namespace>_embed_jobs`: @moleculer/channels joins the subject's parts with `_`). */
  stream: string;
  subjects: string[];
  /** Messages stored in the stream; with work-queue retention, those not yet acknowledged. */
  messages: number;
  consumers: {
    group: string;
    /** Not yet delivered to any node. */
    pending: number;
    /** Delivered to a node, not yet acknowledged (in flight, or held by a node that died until ack_wait ends). */
    inFlight: number;
    redelivered: number;
  }[];
}

/** Pending embedding work per dataset, as the database records it (the queue's source of truth). */
export interface DatasetBacklog {
  datasetId: string;
  modelId: string;
  chunks: number;
  embedded: number;
  pending: number;
}

/**
 * The JetStream streams of a namespace and their consumers, read through the JetStream manager.
 * Read-only: it creates no stream or consumer, so an operator can run it against a live cluster.
 */
export async function jetStreamBacklog(url: string, namespace: string): Promise<ChannelBacklog[]> {
  const nc = await connect({ servers: url, name: "chatlens-operator", timeout: 5000 });
  try {
    const jsm = await nc.jetstreamManager();
    const out: ChannelBacklog[] = [];
    for (const info of await jsm.streams.list().next()) {
      if (!info.config.name.startsWith(`${namespace}_`)) continue;
      const consumers = await jsm.consumers.list(info.config.name).next();
      out.push({
        stream: info.config.name,
        subjects: info.config.subjects ?? [],
        messages: info.state.messages,
        consumers: consumers
          .map((c) => ({
            group: c.name,
            pending: c.num_pending,
            inFlight: c.num_ack_pending,
            redelivered: c.num_redelivered,
          }))
          .sort((a, b) => a.group.localeCompare(b.group)),
      });
    }
    return out.sort((a, b) => a.stream.localeCompare(b.stream));
  } finally {
    await nc.close();
  }
}

/** Datasets whose chunks are not all embedded yet; embedded mode's queue lives in memory, so this is its backlog. */
export async function databaseBacklog(db: Db): Promise<DatasetBacklog[]> {
  return (await datasetsWithPendingWork(db))
    .map((w) => ({
      datasetId: w.datasetId,
      modelId: w.modelId,
      chunks: w.chunks,
      embedded: w.embedded,
      pending: w.chunks - w.embedded,
    }))
    .sort((a, b) => b.pending - a.pending || a.datasetId.localeCompare(b.datasetId));
}
