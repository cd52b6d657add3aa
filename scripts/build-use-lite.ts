/**
 * Builds Universal Sentence Encoder lite (Hugging Face layout, ONNX) from the pretrained
 * TF.js weights in node_modules. The embedder does the same on first use; this script is for
 * operators who want the model folder ready ahead of time (images, air-gapped hosts).
 *
 *   npx tsx scripts/build-use-lite.ts [modelsDir]     (default ./data/models)
 */
import path from "node:path";
import { ensureUseLite } from "../services/embedder/use-lite/convert.ts";

const modelsDir = path.resolve(process.argv[2] ?? "data/models");
let converted = false;
const dir = await ensureUseLite(modelsDir, (r) => {
  converted = true;
  console.log(`converted USE-lite into ${r.path} in ${r.ms.toFixed(0)} ms (model.onnx ${r.onnxBytes} bytes)`);
});
if (!converted) console.log(`USE-lite already present at ${dir}; delete the folder to rebuild it`);
