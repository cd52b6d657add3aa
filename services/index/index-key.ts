import path from "node:path";

/** One index per (dataset, model): vectors of two models never share an index. */
export interface IndexKey {
  datasetId: string;
  modelId: string;
}

// Dataset and model ids become directory names and git ref names ("Xenova/all-MiniLM-L6-v2"
// has a slash), so anything outside a conservative set is %-escaped byte by byte, reversibly.
// A leading "-" is escaped too, so a segment is never read as a command-line option.
export function encodeSegment(id: string): string {
  if (id.length === 0) throw new Error("empty id");
  return id.replace(/[^A-Za-z0-9_-]|^-/gu, (ch) =>
    [...Buffer.from(ch, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join(""),
  );
}

/** Path of an index relative to the indexes root, with forward slashes (also its path in git). */
export function indexPath(key: IndexKey): string {
  return `${encodeSegment(key.datasetId)}/${encodeSegment(key.modelId)}`;
}

export function indexDir(root: string, key: IndexKey): string {
  return path.join(root, ...indexPath(key).split("/"));
}
