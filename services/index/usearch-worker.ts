// The usearch engine's thread. usearch's JavaScript API is synchronous, so every index lives here
// and the event loop only exchanges messages. usearch cannot hand vectors back, so this thread
// also keeps a dense row store of every live vector: it serves exact ("flat") and allow-list
// searches, read-back for rebuilds, and the saved file.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parentPort } from "node:worker_threads";
import { createRequire } from "node:module";
import type * as Usearch from "usearch";
import type { Index as UsearchIndex, Matches } from "usearch";

// The CommonJS build: importing usearch's ESM build inside a worker thread never settles (Node 20).
const usearch = createRequire(import.meta.url)("usearch") as typeof Usearch;

export interface UsearchSpec {
  dim: number;
  kind: "flat" | "hnsw";
  M: number;
  efConstruction: number;
  efSearch: number;
}

interface State extends UsearchSpec {
  store: Float32Array;
  rowLabels: BigInt64Array;
  n: number;
  rowOf: Map<bigint, number>;
  graph?: UsearchIndex;
  tombstones: number;
}

// The same names as usearch.ts (not imported: that module starts this thread).
const STORE_FILE = "index.usearch";
const GRAPH_FILE = "graph.usearch";
const MAGIC = "CLUSRCH1";
/** An allow-list at most this large (or this share of the index) is searched exactly. */
const EXACT_ALLOW = 4096;

const states = new Map<number, State>();
let nextHandle = 1;

function newState(spec: UsearchSpec): State {
  const state: State = {
    ...spec,
    store: new Float32Array(0),
    rowLabels: new BigInt64Array(0),
    n: 0,
    rowOf: new Map(),
    tombstones: 0,
  };
  if (spec.kind === "hnsw") state.graph = newGraph(spec);
  return state;
}

function newGraph(spec: UsearchSpec): UsearchIndex {
  return new usearch.Index({
    dimensions: spec.dim,
    metric: usearch.MetricKind.IP,
    quantization: usearch.ScalarKind.F32,
    connectivity: spec.M,
    expansion_add: spec.efConstruction,
    expansion_search: spec.efSearch,
    multi: false,
  });
}

function reserve(state: State, rows: number): void {
  if (rows * state.dim <= state.store.length) return;
  const capacity = Math.max(rows, Math.ceil(state.store.length / state.dim) * 2, 1024);
  const store = new Float32Array(capacity * state.dim);
  store.set(state.store.subarray(0, state.n * state.dim));
  const labels = new BigInt64Array(capacity);
  labels.set(state.rowLabels.subarray(0, state.n));
  state.store = store;
  state.rowLabels = labels;
}

function add(state: State, vectors: Float32Array, labels: BigInt64Array): void {
  reserve(state, state.n + labels.length);
  state.store.set(vectors, state.n * state.dim);
  for (let i = 0; i < labels.length; i++) {
    state.rowLabels[state.n + i] = labels[i]!;
    state.rowOf.set(labels[i]!, state.n + i);
  }
  state.n += labels.length;
  if (state.graph && labels.length > 0)
    state.graph.add(
      BigUint64Array.from(labels, (l) => BigInt.asUintN(64, l)),
      vectors,
      0,
    );
}

function remove(state: State, labels: BigInt64Array): number {
  const gone: bigint[] = [];
  for (const label of labels) {
    const row = state.rowOf.get(label);
    if (row === undefined) continue;
    gone.push(label);
    state.rowOf.delete(label);
    // Keep rows dense: the last row moves into the hole.
    const last = state.n - 1;
    if (row !== last) {
      state.store.copyWithin(row * state.dim, last * state.dim, (last + 1) * state.dim);
      const moved = state.rowLabels[last]!;
      state.rowLabels[row] = moved;
      state.rowOf.set(moved, row);
    }
    state.n--;
  }
  if (state.graph && gone.length > 0) {
    state.graph.remove(BigUint64Array.from(gone, (l) => BigInt.asUintN(64, l)));
    state.tombstones += gone.length;
  }
  return gone.length;
}

function exact(state: State, rows: Float32Array, rowLabels: ArrayLike<bigint>, query: Float32Array, k: number) {
  const count = rows.length / state.dim;
  const want = Math.min(k, count);
  const distances = new Float32Array(k);
  const labels = new BigInt64Array(k).fill(-1n);
  if (want === 0) return { distances, labels };
  const found = usearch.exactSearch(rows, query, state.dim, want, usearch.MetricKind.IP, 1) as Matches;
  for (let i = 0; i < found.keys.length && i < k; i++) {
    labels[i] = rowLabels[Number(found.keys[i])]!;
    distances[i] = 1 - found.distances[i]!;
  }
  return { distances, labels };
}

function search(
  state: State,
  query: Float32Array,
  k: number,
  efSearch: number | undefined,
  allow: BigInt64Array | undefined,
) {
  if (allow) {
    const rows: number[] = [];
    for (const label of allow) {
      const row = state.rowOf.get(label);
      if (row !== undefined) rows.push(row);
    }
    if (!state.graph || rows.length <= Math.max(EXACT_ALLOW, state.n / 20)) {
      const subset = new Float32Array(rows.length * state.dim);
      rows.forEach((row, i) => subset.set(state.store.subarray(row * state.dim, (row + 1) * state.dim), i * state.dim));
      return exact(
        state,
        subset,
        rows.map((row) => state.rowLabels[row]!),
        query,
        k,
      );
    }
    // A large allow-list: walk the graph and keep allowed labels, widening until k pass.
    const allowed = new Set(allow);
    for (let fetch = Math.max(k, efSearch ?? state.efSearch) * 4; ; fetch *= 4) {
      const hits = graphSearch(state, query, Math.min(fetch, state.n), efSearch);
      const keep = { distances: new Float32Array(k), labels: new BigInt64Array(k).fill(-1n) };
      let j = 0;
      for (let i = 0; i < hits.labels.length && j < k; i++) {
        if (!allowed.has(hits.labels[i]!)) continue;
        keep.labels[j] = hits.labels[i]!;
        keep.distances[j++] = hits.distances[i]!;
      }
      if (j >= Math.min(k, rows.length) || fetch >= state.n) return keep;
    }
  }
  if (!state.graph) return exact(state, state.store.subarray(0, state.n * state.dim), state.rowLabels, query, k);
  const hits = graphSearch(state, query, Math.min(k, state.n), efSearch);
  const out = { distances: new Float32Array(k), labels: new BigInt64Array(k).fill(-1n) };
  out.distances.set(hits.distances.subarray(0, k));
  out.labels.set(hits.labels.subarray(0, k));
  return out;
}

// usearch fixes its search breadth when the index is created; asking for more neighbours widens
// the walk the same way (it explores max(count, expansion) candidates), so a per-query efSearch
// is a search for max(k, efSearch) results, cut to k.
function graphSearch(state: State, query: Float32Array, k: number, efSearch: number | undefined) {
  if (k <= 0 || state.n === 0) return { distances: new Float32Array(0), labels: new BigInt64Array(0) };
  const found = state.graph!.search(query, Math.min(Math.max(k, efSearch ?? state.efSearch), state.n), 1) as Matches;
  const labels = BigInt64Array.from(found.keys, (key) => BigInt.asIntN(64, key));
  const distances = Float32Array.from(found.distances, (d) => 1 - d);
  return { distances: distances.subarray(0, k), labels: labels.subarray(0, k) };
}

function reconstruct(state: State, labels: BigInt64Array): Float32Array {
  const out = new Float32Array(labels.length * state.dim);
  labels.forEach((label, i) => {
    const row = state.rowOf.get(label);
    if (row === undefined) throw new Error(`no vector with label ${label}`);
    out.set(state.store.subarray(row * state.dim, (row + 1) * state.dim), i * state.dim);
  });
  return out;
}

async function write(state: State, dir: string, suffix: string): Promise<void> {
  const header = Buffer.from(
    JSON.stringify({
      dim: state.dim,
      kind: state.kind,
      M: state.M,
      efConstruction: state.efConstruction,
      efSearch: state.efSearch,
      count: state.n,
      tombstones: state.tombstones,
    }),
  );
  const pad = (8 - ((MAGIC.length + 4 + header.length) % 8)) % 8;
  const head = Buffer.alloc(MAGIC.length + 4 + header.length + pad, 0x20);
  head.write(MAGIC, 0, "latin1");
  head.writeUInt32LE(header.length + pad, MAGIC.length);
  header.copy(head, MAGIC.length + 4);
  const labels = Buffer.from(state.rowLabels.buffer, state.rowLabels.byteOffset, state.n * 8);
  const vectors = Buffer.from(state.store.buffer, state.store.byteOffset, state.n * state.dim * 4);
  await writeFile(path.join(dir, STORE_FILE + suffix), Buffer.concat([head, labels, vectors]));
  if (state.graph) state.graph.save(path.join(dir, GRAPH_FILE + suffix));
}

async function read(dir: string): Promise<State> {
  const file = await readFile(path.join(dir, STORE_FILE));
  if (file.toString("latin1", 0, MAGIC.length) !== MAGIC)
    throw new Error(`${dir}/${STORE_FILE} is not a usearch index file`);
  const headerLength = file.readUInt32LE(MAGIC.length);
  const header = JSON.parse(file.toString("utf8", MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as UsearchSpec & {
    count: number;
    tombstones: number;
  };
  const start = MAGIC.length + 4 + headerLength;
  const state = newState({ ...header, kind: "flat" });
  state.kind = header.kind;
  const labels = new BigInt64Array(
    file.buffer.slice(file.byteOffset + start, file.byteOffset + start + header.count * 8),
  );
  const vectors = new Float32Array(
    file.buffer.slice(
      file.byteOffset + start + header.count * 8,
      file.byteOffset + start + header.count * 8 + header.count * header.dim * 4,
    ),
  );
  reserve(state, header.count);
  state.store.set(vectors);
  state.rowLabels.set(labels);
  state.n = header.count;
  labels.forEach((label, row) => state.rowOf.set(label, row));
  if (header.kind === "hnsw") {
    state.graph = newGraph(header);
    state.graph.load(path.join(dir, GRAPH_FILE));
    state.tombstones = header.tombstones;
  }
  return state;
}

type Request = { id: number; op: string; handle?: number; args: unknown[] };

function info(state: State) {
  return { kind: state.kind, ntotal: state.n, tombstones: state.tombstones };
}

async function handle(request: Request): Promise<{ result: unknown; transfer?: ArrayBuffer[] }> {
  if (request.op === "create") {
    // The caller numbers created indexes (negative handles) so that it need not wait for this.
    states.set(request.handle!, newState(request.args[0] as UsearchSpec));
    return { result: null };
  }
  if (request.op === "read") {
    const state = await read(request.args[0] as string);
    const handleId = nextHandle++;
    states.set(handleId, state);
    return {
      result: {
        handle: handleId,
        dim: state.dim,
        M: state.M,
        efConstruction: state.efConstruction,
        efSearch: state.efSearch,
        ...info(state),
      },
    };
  }
  const state = states.get(request.handle!);
  if (!state) throw new Error(`usearch index ${request.handle} was disposed`);
  switch (request.op) {
    case "add":
      add(state, request.args[0] as Float32Array, request.args[1] as BigInt64Array);
      return { result: info(state) };
    case "remove":
      return { result: { removed: remove(state, request.args[0] as BigInt64Array), ...info(state) } };
    case "search": {
      const [query, k, efSearch, allow] = request.args as [
        Float32Array,
        number,
        number | undefined,
        BigInt64Array | undefined,
      ];
      const out = search(state, query, k, efSearch, allow);
      const distances = Float32Array.from(out.distances);
      const labels = BigInt64Array.from(out.labels);
      return { result: { distances, labels }, transfer: [distances.buffer, labels.buffer] };
    }
    case "reconstruct": {
      const out = reconstruct(state, request.args[0] as BigInt64Array);
      return { result: out, transfer: [out.buffer as ArrayBuffer] };
    }
    case "labels": {
      const out = BigInt64Array.from(state.rowLabels.subarray(0, state.n));
      return { result: out, transfer: [out.buffer] };
    }
    case "write":
      await write(state, request.args[0] as string, request.args[1] as string);
      return { result: null };
    case "dispose":
      states.delete(request.handle!);
      return { result: null };
    default:
      throw new Error(`unknown usearch operation ${request.op}`);
  }
}

parentPort?.on("message", (request: Request) => {
  handle(request).then(
    ({ result, transfer }) => parentPort!.postMessage({ id: request.id, ok: true, result }, transfer ?? []),
    (error: Error) => parentPort!.postMessage({ id: request.id, ok: false, error: error.message }),
  );
});
