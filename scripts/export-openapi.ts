/**
 * Writes the OpenAPI document of every service to a file, so the UI's typed client is
 * generated from what the platform really serves: `npm run openapi`.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../config/index.ts";
import { createPlatform } from "../platform/platform.ts";

const out = process.argv[2] ?? "ui/src/lib/api/openapi.json";
const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-openapi-"));
const config = loadConfig(
  { NODE_ENV: "development", DATA_DIR: dataDir, PORT: "0", METRICS_ENABLED: "false", LOG_LEVEL: "error" },
  { dotenv: false },
);
const platform = await createPlatform(config);
await platform.start();
try {
  const doc = await platform.broker.call("api.openapi", {}, { meta: { system: true } });
  writeFileSync(out, JSON.stringify(doc, null, 2) + "\n");
  console.log(`wrote ${out}`);
} finally {
  await platform.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
