import path from "node:path";
import { EmbedderError } from "./errors.ts";
import { downloadHubModel, isHubId } from "./hub-download.ts";
import { discoverModels, type ModelInfo } from "./model-discovery.ts";
import type { Quantization } from "./model-metadata.ts";
import { OnnxEmbedder, type EmbedOptions, type EmbedResult, type Logger, type RuntimeOptions } from "./runtime.ts";
import { ensureUseLite, USE_LITE_ID, useLiteVariantOf } from "./use-lite/convert.ts";

export type { ModelInfo } from "./model-discovery.ts";

export interface RegistryOptions {
  /** Folder holding models in Hugging Face layout, e.g. ./data/models. */
  modelsDir: string;
  /** Unload a model after this long without use; 0 keeps models loaded. Default 10 minutes. */
  idleUnloadMs?: number;
  /** Whether models may be fetched from the hub by id. Default false (offline). */
  allowNetwork?: boolean;
  /** Hub base URL (a mirror, or a local server in tests). Default https://huggingface.co. */
  hubUrl?: string;
  /** Build USE-lite from node_modules when it is missing. Default true. */
  buildUseLite?: boolean;
  /** ONNX variant to prefer when a folder holds several. Default fp32. */
  quantization?: Quantization;
  runtime?: RuntimeOptions;
  logger?: Logger;
}

interface Loaded {
  embedder: Promise<OnnxEmbedder>;
  inFlight: number;
  timer?: NodeJS.Timeout;
}

/**
 * The models an embedder node can serve: discovers folders, describes them, loads a model on
 * first use and unloads it after an idle time. Idle timers are unref'd so they never keep the
 * process alive, and close() stops them all.
 */
export class ModelRegistry {
  private readonly opts: Required<Omit<RegistryOptions, "runtime" | "logger">> & Pick<RegistryOptions, "runtime">;
  private readonly logger: Logger;
  private known = new Map<string, ModelInfo>();
  private readonly loaded = new Map<string, Loaded>();
  private readonly downloads = new Map<string, Promise<void>>();

  constructor(options: RegistryOptions) {
    this.opts = {
      modelsDir: path.resolve(options.modelsDir),
      idleUnloadMs: options.idleUnloadMs ?? 10 * 60_000,
      allowNetwork: options.allowNetwork ?? false,
      hubUrl: options.hubUrl ?? "https://huggingface.co",
      buildUseLite: options.buildUseLite ?? true,
      quantization: options.quantization ?? "fp32",
      runtime: options.runtime,
    };
    this.logger = options.logger ?? options.runtime?.logger ?? console;
  }

  /** Every usable model in the models folder (building USE-lite first when enabled and missing). */
  async list(): Promise<ModelInfo[]> {
    if (this.opts.buildUseLite) await this.buildUseLite();
    const models = await discoverModels(this.opts.modelsDir, this.opts.quantization, (id, problem) =>
      this.logger.warn(`embedder: skipping model folder ${id}: ${problem}`),
    );
    this.known = new Map(models.map((m) => [m.id, m]));
    return models;
  }

  /**
   * One model's description. Throws EmbedderError MODEL_NOT_FOUND when it is neither local nor a
   * hub id, NETWORK_DISABLED when it is a hub id that would need a download the operator forbade.
   */
  async get(id: string): Promise<ModelInfo> {
    const cached = this.known.get(id);
    if (cached) return cached;
    const found = (await this.list()).find((m) => m.id === id);
    if (found) return found;
    // The other built-in variants are built the first time someone asks for them.
    const variant = useLiteVariantOf(id);
    if (variant && this.opts.buildUseLite) {
      await ensureUseLite(
        this.opts.modelsDir,
        (r) => this.logger.info(`embedder: built ${id} from node_modules into ${r.path} in ${Math.round(r.ms)} ms`),
        variant,
      );
      const built = (await this.list()).find((m) => m.id === id);
      if (built) return built;
    }
    if (!isHubId(id)) {
      throw new EmbedderError("MODEL_NOT_FOUND", `model ${id} is not in ${this.opts.modelsDir}`, { model: id });
    }
    if (!this.opts.allowNetwork) {
      throw new EmbedderError(
        "NETWORK_DISABLED",
        `model ${id} is not in ${this.opts.modelsDir} and network access is disabled; put it there or allow network access`,
        { model: id },
      );
    }
    await this.download(id);
    const fetched = (await this.list()).find((m) => m.id === id);
    if (!fetched)
      throw new EmbedderError("MODEL_INVALID", `model ${id} was downloaded but is not a usable embedding model`, {
        model: id,
      });
    return fetched;
  }

  /**
   * The loaded model, loading it on first use; concurrent callers share one load. The idle timer
   * only sees calls made through embed(): a caller holding the embedder longer should use that.
   */
  async load(id: string): Promise<OnnxEmbedder> {
    const entry = await this.entry(id);
    this.touch(id, entry);
    return entry.embedder;
  }

  /** Loads if needed and embeds; the model is not unloaded while a call is running. */
  async embed(id: string, texts: string[], options?: EmbedOptions): Promise<EmbedResult & { model: ModelInfo }> {
    const entry = await this.entry(id);
    entry.inFlight++;
    try {
      const embedder = await entry.embedder;
      return { ...(await embedder.embed(texts, options)), model: await this.get(id) };
    } finally {
      entry.inFlight--;
      this.touch(id, entry);
    }
  }

  loadedIds(): string[] {
    return [...this.loaded.keys()];
  }

  async unload(id: string): Promise<boolean> {
    const entry = this.loaded.get(id);
    if (!entry) return false;
    this.loaded.delete(id);
    clearTimeout(entry.timer);
    await (await entry.embedder.catch(() => undefined))?.dispose();
    this.logger.info(`embedder: unloaded ${id}`);
    return true;
  }

  /** Stops every idle timer and releases every loaded model. */
  async close(): Promise<void> {
    await Promise.all([...this.loaded.keys()].map((id) => this.unload(id)));
  }

  private async entry(id: string): Promise<Loaded> {
    const existing = this.loaded.get(id);
    if (existing) return existing;
    const info = await this.get(id);
    const raced = this.loaded.get(id);
    if (raced) return raced;
    const entry: Loaded = {
      embedder: OnnxEmbedder.load(info, { logger: this.logger, ...this.opts.runtime }),
      inFlight: 0,
    };
    this.loaded.set(id, entry);
    // A failed load must not stay cached: the next call retries.
    entry.embedder.catch(() => {
      if (this.loaded.get(id) === entry) this.loaded.delete(id);
    });
    return entry;
  }

  private touch(id: string, entry: Loaded): void {
    clearTimeout(entry.timer);
    if (this.opts.idleUnloadMs <= 0) return;
    entry.timer = setTimeout(() => {
      if (entry.inFlight > 0) this.touch(id, entry);
      else if (this.loaded.get(id) === entry) void this.unload(id);
    }, this.opts.idleUnloadMs).unref();
  }

  private async buildUseLite(): Promise<void> {
    await ensureUseLite(this.opts.modelsDir, (r) =>
      this.logger.info(`embedder: built ${USE_LITE_ID} from node_modules into ${r.path} in ${Math.round(r.ms)} ms`),
    );
  }

  private download(id: string): Promise<void> {
    let p = this.downloads.get(id);
    if (!p) {
      this.logger.info(`embedder: downloading ${id} from ${this.opts.hubUrl}`);
      p = downloadHubModel(id, path.join(this.opts.modelsDir, ...id.split("/")), this.opts.hubUrl).finally(() =>
        this.downloads.delete(id),
      );
      this.downloads.set(id, p);
    }
    return p;
  }
}
