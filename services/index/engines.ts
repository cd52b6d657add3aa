// The vector engines behind VectorIndex. FAISS (our native binding, built at install time only
// where libfaiss is present) and usearch (an npm package with prebuilt binaries, so it runs on a
// machine that has nothing but Node) expose the same surface: int64 labels, removal, allow-list
// filtered search, per-query search depth, asynchronous calls, file I/O, vector read-back.
import { FaissEngine, faissBinding, faissUnavailableReason } from "./faiss.ts";
import { UsearchEngine } from "./usearch.ts";
import type { EngineOptions, IndexBackend, VectorEngine } from "./vector-engine.ts";

export type {
  EngineKind,
  EngineOptions,
  EngineSearchOptions,
  EngineSearchResult,
  IndexBackend,
  VectorEngine,
} from "./vector-engine.ts";
export type EnginePreference = "auto" | IndexBackend;

export interface EngineChoice {
  backend: IndexBackend;
  /** One line for the start-up log: which engine runs and, without FAISS, how to get it. */
  message: string;
}

export const FAISS_HINT =
  "to use FAISS install libfaiss-dev and libopenblas-dev (Debian/Ubuntu) or `brew install faiss` (macOS), then run `npm rebuild @chatlens/faiss`";

/**
 * Picks the engine: FAISS when its binding loads (unless CHATLENS_FAISS=off), usearch otherwise.
 * Forcing "faiss" on a machine without the binding is an error rather than a silent fallback.
 */
export function chooseEngine(
  preference: EnginePreference = "auto",
  faissSwitch: "auto" | "off" = "auto",
): EngineChoice {
  if (preference === "usearch")
    return { backend: "usearch", message: "vector index engine: usearch (INDEX_ENGINE=usearch)" };
  const reason = faissSwitch === "off" ? "CHATLENS_FAISS=off" : faissUnavailableReason();
  if (reason === undefined) return { backend: "faiss", message: "vector index engine: faiss (native/faiss binding)" };
  if (preference === "faiss")
    throw new Error(`INDEX_ENGINE=faiss but the FAISS binding is not available (${reason}); ${FAISS_HINT}`);
  return {
    backend: "usearch",
    message: `vector index engine: usearch (FAISS binding not available: ${reason}); ${FAISS_HINT}`,
  };
}

let processDefault: IndexBackend | undefined;

/** The engine new indexes get when nobody says: from INDEX_ENGINE / CHATLENS_FAISS, decided once. */
export function defaultBackend(): IndexBackend {
  processDefault ??= chooseEngine(
    (process.env.INDEX_ENGINE as EnginePreference | undefined) ?? "auto",
    process.env.CHATLENS_FAISS === "off" ? "off" : "auto",
  ).backend;
  return processDefault;
}

/** Sets the process default (the index service does, from its validated configuration). */
export function setDefaultBackend(backend: IndexBackend): void {
  processDefault = backend;
}

/** Engines that can run here (the test suites run against each). */
export function availableBackends(): IndexBackend[] {
  return faissUnavailableReason() === undefined ? ["faiss", "usearch"] : ["usearch"];
}

export function createEngine(backend: IndexBackend, options: EngineOptions): VectorEngine {
  return backend === "faiss" ? FaissEngine.create(options) : UsearchEngine.create(options);
}

export function readEngine(backend: IndexBackend, dir: string): Promise<VectorEngine> {
  return backend === "faiss" ? FaissEngine.read(dir) : UsearchEngine.read(dir);
}

/** Whether an index saved by `backend` can be opened on this machine. */
export function canRead(backend: IndexBackend): boolean {
  return backend === "usearch" || faissBinding() !== undefined;
}
