import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { MODEL_METADATA_FILE, type ModelMetadata, type Quantization } from "./model-metadata.ts";

export interface ModelInfo {
  id: string;
  dimension: number;
  maxTokens: number;
  languages: string[];
  license: string;
  /** Bytes on disk of what loading reads: the chosen ONNX file (+ external data) and the JSON files. */
  sizeBytes: number;
  runtime: "onnxruntime";
  quantization: Quantization;
  /** Whether vectors may be truncated to fewer dimensions. */
  matryoshka: boolean;
  /** Absolute folder in Hugging Face layout. */
  path: string;
  /** ONNX file relative to `path`. */
  onnxFile: string;
  source?: string;
}

const QUANT_ORDER: Quantization[] = ["fp32", "fp16", "int8"];

/** Quantisation from an ONNX file name as exported by Optimum/transformers.js; null when unsupported (4-bit). */
export function quantizationOf(file: string): Quantization | null {
  const name = path.basename(file).toLowerCase();
  if (/(q4|bnb4|int4)/.test(name)) return null;
  if (/(fp16|float16)/.test(name)) return "fp16";
  if (/(int8|uint8|quantized|q8)/.test(name)) return "int8";
  return "fp32";
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

const firstNumber = (...values: unknown[]): number | undefined =>
  values.find((v): v is number => typeof v === "number" && Number.isFinite(v) && v > 0);

/**
 * Reads one Hugging Face–layout folder. Returns null (with the reason) when it is not a usable
 * embedding model: no config.json/tokenizer.json, no supported ONNX file, no known dimension.
 */
export async function describeModel(
  dir: string,
  id: string,
  preferred: Quantization = "fp32",
): Promise<{ info: ModelInfo } | { problem: string }> {
  const config = await readJson<Record<string, unknown>>(path.join(dir, "config.json"));
  if (!config) return { problem: "no config.json" };
  if (!(await exists(path.join(dir, "tokenizer.json")))) return { problem: "no tokenizer.json" };
  const meta = (await readJson<ModelMetadata>(path.join(dir, MODEL_METADATA_FILE))) ?? {};
  const tokenizerConfig = (await readJson<Record<string, unknown>>(path.join(dir, "tokenizer_config.json"))) ?? {};

  const onnxFiles = (await readdir(path.join(dir, "onnx")).catch(() => [] as string[]))
    .filter((f) => f.endsWith(".onnx") && quantizationOf(f) !== null)
    .sort();
  const byPreference = [preferred, ...QUANT_ORDER.filter((q) => q !== preferred)];
  const chosen = meta.onnxFile
    ? path.basename(meta.onnxFile)
    : byPreference.map((q) => onnxFiles.find((f) => quantizationOf(f) === q)).find(Boolean);
  if (!chosen || !onnxFiles.includes(chosen)) return { problem: "no supported onnx/*.onnx file" };

  const dimension = firstNumber(meta.dimension, config.hidden_size, config.d_model, config.dim, config.n_embd);
  if (!dimension) return { problem: "dimension unknown (config.json hidden_size or chatlens.json dimension)" };
  // Tokenizer configs without a limit carry a huge sentinel (1e30); ignore it.
  const tokenizerMax =
    typeof tokenizerConfig.model_max_length === "number" && tokenizerConfig.model_max_length <= 1e6
      ? tokenizerConfig.model_max_length
      : undefined;
  const maxTokens = firstNumber(meta.maxTokens, tokenizerMax, config.max_position_embeddings) ?? 512;

  const languages =
    meta.languages ??
    (typeof config.language === "string" ? [config.language] : (config.language as string[] | undefined)) ??
    [];
  const license = meta.license ?? (typeof config.license === "string" ? config.license : "unknown");

  return {
    info: {
      id: meta.id ?? id,
      dimension,
      maxTokens,
      languages,
      license,
      sizeBytes: await loadedSize(dir, chosen, onnxFiles),
      runtime: "onnxruntime",
      quantization: meta.quantization ?? quantizationOf(chosen)!,
      matryoshka: meta.matryoshka ?? false,
      path: dir,
      onnxFile: `onnx/${chosen}`,
      ...(meta.source ? { source: meta.source } : {}),
    },
  };
}

/** Sum of the folder's files, leaving out ONNX variants (and their external data) that are not loaded. */
async function loadedSize(dir: string, chosen: string, onnxFiles: string[]): Promise<number> {
  const skipped = onnxFiles.filter((f) => f !== chosen);
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (!skipped.some((s) => entry.name === s || entry.name.startsWith(`${s}_data`)))
        total += (await stat(full)).size;
    }
  };
  await walk(dir);
  return total;
}

/**
 * Finds models in a models folder: `<dir>/<name>/` or, for hub ids, `<dir>/<owner>/<name>/`
 * (the layout transformers.js uses for localModelPath). Hidden folders (in-progress
 * conversions and downloads) are skipped.
 */
export async function discoverModels(
  modelsDir: string,
  preferred: Quantization = "fp32",
  onProblem?: (id: string, problem: string) => void,
): Promise<ModelInfo[]> {
  const found: ModelInfo[] = [];
  const visit = async (dir: string, id: string, depth: number): Promise<void> => {
    if (id && (await exists(path.join(dir, "config.json")))) {
      const r = await describeModel(dir, id, preferred);
      if ("info" in r) found.push(r.info);
      else onProblem?.(id, r.problem);
      return;
    }
    if (depth >= 2) return;
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (entry.isDirectory() && !entry.name.startsWith(".") && !entry.name.includes(".tmp-")) {
        await visit(path.join(dir, entry.name), id ? `${id}/${entry.name}` : entry.name, depth + 1);
      }
    }
  };
  await visit(path.resolve(modelsDir), "", 0);
  return found.sort((a, b) => a.id.localeCompare(b.id));
}
