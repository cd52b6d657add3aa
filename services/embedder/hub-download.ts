import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { EmbedderError } from "./errors.ts";

/** "owner/name" as the Hugging Face hub spells repository ids; nothing that could climb out of a folder. */
const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function isHubId(id: string): boolean {
  return HUB_ID.test(id) && !id.includes("..");
}

const REQUIRED = ["config.json", "tokenizer.json"];
const OPTIONAL = ["tokenizer_config.json", "special_tokens_map.json"];
/** The ONNX export layouts used on the hub (Xenova/onnx-community), best first. */
const ONNX_CANDIDATES = ["onnx/model.onnx", "onnx/model_fp16.onnx", "onnx/model_quantized.onnx"];

/**
 * Downloads a hub model's Hugging Face–layout files into `targetDir` (temp folder + rename,
 * so a failed download leaves nothing behind). Only called when the operator allows network.
 */
export async function downloadHubModel(id: string, targetDir: string, hubUrl: string): Promise<void> {
  const base = `${hubUrl.replace(/\/$/, "")}/${id}/resolve/main/`;
  await mkdir(path.dirname(targetDir), { recursive: true });
  const tmp = `${targetDir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    for (const file of REQUIRED) {
      if (!(await fetchTo(base + file, path.join(tmp, file)))) {
        throw new EmbedderError("MODEL_NOT_FOUND", `model ${id} not found on the hub (${file} missing)`, { model: id });
      }
    }
    for (const file of OPTIONAL) await fetchTo(base + file, path.join(tmp, file));
    let onnx = false;
    for (const file of ONNX_CANDIDATES) {
      if (await fetchTo(base + file, path.join(tmp, file))) {
        onnx = true;
        break;
      }
    }
    if (!onnx) throw new EmbedderError("MODEL_NOT_FOUND", `model ${id} has no ONNX export on the hub`, { model: id });
    await rename(tmp, targetDir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (err instanceof EmbedderError) throw err;
    throw new EmbedderError("MODEL_DOWNLOAD_FAILED", `downloading ${id} failed: ${(err as Error).message}`, {
      model: id,
    });
  }
}

/** Streams `url` to `file`; false on 404, throws on any other failure. */
async function fetchTo(url: string, file: string): Promise<boolean> {
  const res = await fetch(url);
  if (res.status === 404) return false;
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  await mkdir(path.dirname(file), { recursive: true });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
  return true;
}
