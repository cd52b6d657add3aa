// Index versions in git. The indexes directory is a git repository; its working tree holds the
// live files of every index. Each version of one index is a commit whose tree holds only that
// index's directory (index.faiss, chunks.tsv, index.json, manifest.json), referenced by the tag
// v/<dataset>/<model>/<n>. Pins are tags pin/<dataset>/<model>/<n>.
//
// Why parentless commits and tags rather than one branch: git never forgets a blob that an
// ancestor of a live ref still uses, so with a linear history "keep the last N versions" could
// only free space by rewriting every later commit. Here each version stands alone: retention
// deletes the tags of expired versions, expires the reflog and runs `git gc --prune=now`, which
// really deletes their blobs (blobs shared with a kept version, e.g. an unchanged chunks.tsv or
// the same index.faiss after a rollback, stay). Two versions are compared by their chunk lists,
// and `git diff v/a/m/3 v/a/m/5` works on unrelated commits too.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { simpleGit, type SimpleGit } from "simple-git";
import { encodeSegment, indexDir, indexPath, type IndexKey } from "./index-key.ts";
import { Mutex } from "./locks.ts";
import { INDEX_FILES, savedIndexFiles } from "./vector-index.ts";

export const MANIFEST_FILE = "manifest.json";

export interface VersionManifest {
  datasetId: string;
  modelId: string;
  dimension: number;
  chunkingVersion: string;
  vectorCount: number;
  /** backend: the library that built the index (faiss or usearch; absent in versions made before it was recorded). */
  engine: { backend?: string; kind: string; params: Record<string, number> };
  /** Imports whose chunks this version covers. */
  importIds: string[];
  /** sha256 of each index file, by file name. */
  checksums: Record<string, string>;
  /** Set when this version was made by rolling back to an earlier one. */
  restoredFrom?: number;
  /**
   * sha256 of the sorted chunk ids. A chunk id's vector is fixed (same text, same model), so the
   * same set means the same index even when the files' bytes differ (a re-added batch reorders
   * the engine's rows): what "no new version without a change" compares.
   */
  chunkSet?: string;
}

export interface VersionInfo {
  version: number;
  commit: string;
  createdAt: string;
  message: string;
  pinned: boolean;
  manifest: VersionManifest;
  /** Set by commit when nothing changed since this (the latest) version, so none was made. */
  unchanged?: boolean;
}

export interface VersionDiff {
  from: number;
  to: number;
  fromCount: number;
  toCount: number;
  added: string[];
  removed: string[];
}

export interface CommitInfo {
  chunkingVersion: string;
  importIds: string[];
  message?: string;
  /** Record a version even when nothing changed (an operator's explicit rebuild). */
  force?: boolean;
}

export interface IndexVersionsOptions {
  /** Versions kept by retention besides pinned ones. */
  keepLast?: number;
  /** Where read-only checkouts of old versions are cached. */
  cacheDir?: string;
}

export class VersionNotFoundError extends Error {
  constructor(key: IndexKey, version: number) {
    super(`dataset ${key.datasetId}, model ${key.modelId} has no version ${version}`);
  }
}

const AUTHOR = {
  GIT_AUTHOR_NAME: "chatlens",
  GIT_AUTHOR_EMAIL: "chatlens@localhost",
  GIT_COMMITTER_NAME: "chatlens",
  GIT_COMMITTER_EMAIL: "chatlens@localhost",
};

export class IndexVersions {
  // One git operation at a time: tags, temporary indexes and gc must not interleave.
  private readonly mutex = new Mutex();

  private constructor(
    readonly root: string,
    private readonly git: SimpleGit,
    readonly keepLast: number,
    readonly cacheDir: string,
  ) {}

  static async open(root: string, options: IndexVersionsOptions = {}): Promise<IndexVersions> {
    await mkdir(root, { recursive: true });
    const git = simpleGit({ baseDir: root });
    if (!(await exists(path.join(root, ".git")))) {
      await git.init();
      // Version commits are made with plumbing; automatic gc would only repack at random moments.
      await git.addConfig("gc.auto", "0");
    }
    const cacheDir =
      options.cacheDir ??
      path.join(
        os.tmpdir(),
        "chatlens-index-versions",
        createHash("sha256").update(path.resolve(root)).digest("hex").slice(0, 16),
      );
    return new IndexVersions(root, git, options.keepLast ?? 10, cacheDir);
  }

  /** Records the index's files as they are on disk (save the index first) as the next version. */
  commit(key: IndexKey, info: CommitInfo): Promise<VersionInfo> {
    return this.mutex.run(() => this.commitUnlocked(key, info));
  }

  /** Resolves once the git operations already queued have ended. */
  idle(): Promise<void> {
    return this.mutex.run(async () => undefined);
  }

  /** Versions of one index, newest first. */
  list(key: IndexKey): Promise<VersionInfo[]> {
    return this.mutex.run(() => this.listUnlocked(key));
  }

  async get(key: IndexKey, version: number): Promise<VersionInfo> {
    const found = (await this.list(key)).find((v) => v.version === version);
    if (!found) throw new VersionNotFoundError(key, version);
    return found;
  }

  compare(key: IndexKey, from: number, to: number): Promise<VersionDiff> {
    return this.mutex.run(async () => {
      const [a, b] = await Promise.all([this.chunkIdsAt(key, from), this.chunkIdsAt(key, to)]);
      return {
        from,
        to,
        fromCount: a.size,
        toCount: b.size,
        added: [...b].filter((id) => !a.has(id)).sort(),
        removed: [...a].filter((id) => !b.has(id)).sort(),
      };
    });
  }

  /**
   * Restores the index's files to those of `version` and records that as a new version. Drop any
   * loaded copy of the index afterwards (IndexManager.invalidate).
   */
  rollback(key: IndexKey, version: number): Promise<VersionInfo> {
    return this.mutex.run(async () => {
      const target = await this.tagCommit(key, version);
      const old = await this.manifestAt(target, key);
      const dir = indexDir(this.root, key);
      await rm(dir, { recursive: true, force: true });
      await this.withTempIndex(async (git) => {
        await git.raw(["read-tree", target]);
        await git.raw(["checkout-index", "-a", "-f"]);
      });
      return this.commitUnlocked(
        key,
        { chunkingVersion: old.chunkingVersion, importIds: old.importIds, message: `rollback to v${version}` },
        version,
      );
    });
  }

  pin(key: IndexKey, version: number): Promise<void> {
    return this.mutex.run(async () => {
      await this.git.raw(["update-ref", pinRef(key, version), await this.tagCommit(key, version)]);
    });
  }

  unpin(key: IndexKey, version: number): Promise<void> {
    return this.mutex.run(async () => {
      await this.git.raw(["update-ref", "-d", pinRef(key, version)]);
    });
  }

  /**
   * Keeps the newest `keepLast` versions plus pinned ones and deletes the rest, then (unless
   * `gc` is false) expires the reflog and prunes, so the deleted versions' blobs leave the disk.
   */
  applyRetention(
    key: IndexKey,
    options: { keepLast?: number; gc?: boolean } = {},
  ): Promise<{ deleted: number[]; kept: number[] }> {
    const keepLast = Math.max(1, options.keepLast ?? this.keepLast);
    return this.mutex.run(async () => {
      const versions = await this.listUnlocked(key);
      const kept = versions.filter((v, i) => i < keepLast || v.pinned);
      const deleted = versions.filter((v) => !kept.includes(v));
      for (const v of deleted) {
        await this.git.raw(["update-ref", "-d", versionRef(key, v.version)]);
        await rm(this.checkoutDir(key, v.version), { recursive: true, force: true });
      }
      if (deleted.length > 0 && options.gc !== false) {
        await this.git.raw(["reflog", "expire", "--expire=now", "--all"]);
        await this.git.raw(["gc", "--prune=now", "--quiet"]);
      }
      return { deleted: deleted.map((v) => v.version), kept: kept.map((v) => v.version) };
    });
  }

  /** Expires the reflog and prunes: the blobs of deleted versions leave the disk (repository maintenance, off the request path). */
  gc(): Promise<void> {
    return this.mutex.run(async () => {
      await this.git.raw(["reflog", "expire", "--expire=now", "--all"]);
      await this.git.raw(["gc", "--prune=now", "--quiet"]);
    });
  }

  /**
   * Forgets every index of a dataset (all models): its version and pin tags, its working files
   * and cached checkouts, then prunes so the vectors leave the disk. Returns the model ids dropped.
   */
  dropDataset(datasetId: string): Promise<string[]> {
    return this.mutex.run(async () => {
      const segment = encodeSegment(datasetId);
      const refs = (
        await this.git.raw([
          "for-each-ref",
          "--format=%(refname)",
          `refs/tags/v/${segment}/`,
          `refs/tags/pin/${segment}/`,
        ])
      )
        .split("\n")
        .filter((line) => line !== "");
      const models = new Set<string>();
      for (const ref of refs) {
        // refs/tags/{v,pin}/<dataset>/<model>/<n>
        models.add(decodeURIComponent(ref.split("/")[4]!));
        await this.git.raw(["update-ref", "-d", ref]);
      }
      for (const dir of [path.join(this.root, segment), path.join(this.cacheDir, segment)]) {
        for (const entry of await readdir(dir).catch(() => [] as string[])) models.add(decodeURIComponent(entry));
        await rm(dir, { recursive: true, force: true });
      }
      if (refs.length > 0) {
        await this.git.raw(["reflog", "expire", "--expire=now", "--all"]);
        await this.git.raw(["gc", "--prune=now", "--quiet"]);
      }
      return [...models].sort();
    });
  }

  /**
   * A read-only copy of an old version's index directory (for federated search), extracted once
   * and cached; load it with VectorIndex.load.
   */
  checkout(key: IndexKey, version: number): Promise<string> {
    return this.mutex.run(async () => {
      const dir = this.checkoutDir(key, version);
      if (await exists(path.join(dir, MANIFEST_FILE))) return dir;
      const commit = await this.tagCommit(key, version);
      await mkdir(this.cacheDir, { recursive: true });
      const staging = await mkdtemp(path.join(this.cacheDir, "staging-"));
      try {
        await this.withTempIndex(async (git) => {
          await git.raw(["read-tree", commit]);
          await git.raw(["checkout-index", "-a", "-f", `--prefix=${staging}/`]);
        });
        await mkdir(path.dirname(dir), { recursive: true });
        await rename(path.join(staging, ...indexPath(key).split("/")), dir);
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      return dir;
    });
  }

  /** Bytes git stores (loose objects and packs), to watch what retention frees. */
  async storedBytes(): Promise<number> {
    const out = await this.git.raw(["count-objects", "-v"]);
    const fields = new Map(out.split("\n").map((line) => line.split(": ") as [string, string]));
    return (Number(fields.get("size") ?? 0) + Number(fields.get("size-pack") ?? 0)) * 1024;
  }

  private checkoutDir(key: IndexKey, version: number): string {
    return path.join(this.cacheDir, ...indexPath(key).split("/"), `v${version}`);
  }

  private async commitUnlocked(key: IndexKey, info: CommitInfo, restoredFrom?: number): Promise<VersionInfo> {
    const dir = indexDir(this.root, key);
    const meta = JSON.parse(await readFile(path.join(dir, INDEX_FILES.meta), "utf8")) as {
      dim: number;
      engine: string;
      backend?: "faiss" | "usearch";
      files?: string[];
      count: number;
      options: { ann: Record<string, number | string> };
    };
    const checksums: Record<string, string> = {};
    for (const file of savedIndexFiles(meta)) checksums[file] = await sha256File(path.join(dir, file));
    const manifest: VersionManifest = {
      datasetId: key.datasetId,
      modelId: key.modelId,
      dimension: meta.dim,
      chunkingVersion: info.chunkingVersion,
      vectorCount: meta.count,
      engine: {
        backend: meta.backend ?? "faiss",
        kind: meta.engine,
        params: engineParams(meta.engine, meta.options.ann),
      },
      importIds: [...new Set(info.importIds)].sort(),
      checksums,
      ...(restoredFrom === undefined ? {} : { restoredFrom }),
      chunkSet: await chunkSetDigest(path.join(dir, INDEX_FILES.chunks)),
    };
    const versions = await this.listRefs(key);
    // No new version without a change: the same files, chunking and imports as the latest version
    // (a redelivered batch, a save of an unchanged index) answer that version. A rollback or an
    // explicit rebuild always records itself, even to identical content, so its history stays readable.
    if (restoredFrom === undefined && !info.force && versions[0]) {
      const latest = await this.manifestAt(versions[0].commit, key).catch(() => undefined);
      if (latest && sameContent(latest, manifest)) {
        await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(latest, null, 2)}\n`);
        return { ...versions[0], pinned: false, manifest: latest, unchanged: true };
      }
    }
    await writeFile(path.join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    const version = (versions[0]?.version ?? 0) + 1;
    const subject = `${indexPath(key)} v${version}${info.message ? `: ${info.message}` : ""}`;
    const commit = await this.withTempIndex(async (git) => {
      await git.raw(["add", "-f", "--", indexPath(key)]);
      const tree = (await git.raw(["write-tree"])).trim();
      return (await git.raw(["commit-tree", tree, "-m", subject])).trim();
    });
    await this.git.raw(["update-ref", versionRef(key, version), commit]);
    const created = (await this.git.raw(["show", "-s", "--format=%cI", commit])).trim();
    return { version, commit, createdAt: created, message: subject, pinned: false, manifest };
  }

  private async listUnlocked(key: IndexKey): Promise<VersionInfo[]> {
    const refs = await this.listRefs(key);
    const pinned = new Set((await this.refsUnder(`refs/tags/pin/${indexPath(key)}/`)).map((r) => r.version));
    const out: VersionInfo[] = [];
    for (const ref of refs) {
      out.push({ ...ref, pinned: pinned.has(ref.version), manifest: await this.manifestAt(ref.commit, key) });
    }
    return out;
  }

  private listRefs(key: IndexKey): Promise<Array<Omit<VersionInfo, "pinned" | "manifest">>> {
    return this.refsUnder(`refs/tags/v/${indexPath(key)}/`);
  }

  private async refsUnder(prefix: string): Promise<Array<Omit<VersionInfo, "pinned" | "manifest">>> {
    const out = await this.git.raw([
      "for-each-ref",
      "--format=%(refname)%09%(objectname)%09%(creatordate:iso-strict)%09%(contents:subject)",
      prefix,
    ]);
    return out
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => {
        const [ref, commit, createdAt, message] = line.split("\t") as [string, string, string, string];
        return { version: Number(ref.slice(prefix.length)), commit, createdAt, message };
      })
      .sort((a, b) => b.version - a.version);
  }

  private async tagCommit(key: IndexKey, version: number): Promise<string> {
    const ref = versionRef(key, version);
    const out = (await this.git.raw(["for-each-ref", "--format=%(objectname)", ref])).trim();
    if (out === "") throw new VersionNotFoundError(key, version);
    return out;
  }

  private async manifestAt(commit: string, key: IndexKey): Promise<VersionManifest> {
    return JSON.parse(await this.git.raw(["show", `${commit}:${indexPath(key)}/${MANIFEST_FILE}`])) as VersionManifest;
  }

  private async chunkIdsAt(key: IndexKey, version: number): Promise<Set<string>> {
    const commit = await this.tagCommit(key, version);
    const tsv = await this.git.raw(["show", `${commit}:${indexPath(key)}/${INDEX_FILES.chunks}`]);
    return new Set(
      tsv
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => l.slice(l.indexOf("\t") + 1)),
    );
  }

  // Versions are built in a throw-away git index, so the repository's own index and HEAD are
  // never touched and one index's commit never picks up another index's files.
  private async withTempIndex<T>(fn: (git: SimpleGit) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "chatlens-git-index-"));
    try {
      // A minimal environment: simple-git refuses to run with variables such as EDITOR set.
      const env = {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: os.homedir(),
        ...AUTHOR,
        GIT_INDEX_FILE: path.join(dir, "index"),
      };
      const git = simpleGit({ baseDir: this.root }).env(env);
      return await fn(git);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** Whether two manifests describe the same index content (files, chunking, imports covered). */
function sameContent(a: VersionManifest, b: VersionManifest): boolean {
  const files = (m: VersionManifest) =>
    JSON.stringify(Object.entries(m.checksums).sort(([x], [y]) => x.localeCompare(y)));
  const content =
    a.chunkSet && b.chunkSet
      ? a.chunkSet === b.chunkSet && a.vectorCount === b.vectorCount && a.dimension === b.dimension
      : files(a) === files(b);
  return (
    a.chunkingVersion === b.chunkingVersion &&
    a.importIds.join() === b.importIds.join() &&
    a.engine.kind === b.engine.kind &&
    content
  );
}

async function chunkSetDigest(chunksFile: string): Promise<string> {
  const ids = (await readFile(chunksFile, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.slice(l.indexOf("\t") + 1))
    .sort();
  return createHash("sha256").update(ids.join("\n")).digest("hex");
}

function versionRef(key: IndexKey, version: number): string {
  return `refs/tags/v/${indexPath(key)}/${version}`;
}

function pinRef(key: IndexKey, version: number): string {
  return `refs/tags/pin/${indexPath(key)}/${version}`;
}

function engineParams(kind: string, ann: Record<string, number | string>): Record<string, number> {
  const names = kind === "hnsw" ? ["M", "efConstruction", "efSearch"] : kind === "ivf" ? ["nlist", "nprobe"] : [];
  return Object.fromEntries(names.map((name) => [name, Number(ann[name])]));
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
