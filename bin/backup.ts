/**
 * `node --import tsx bin/backup.ts <folder>`: backs up the configured database (DATABASE_URL, or
 * the embedded PGlite under DATA_DIR: stop the platform first) and indexes repository (INDEX_DIR)
 * into a new folder. See docs/operations.md, "Backup and restore".
 */
import { ConfigError, loadConfig } from "../config/index.ts";
import { backup } from "../services/ops/backup.ts";

const out = process.argv[2];
if (!out) {
  console.error("Usage: backup <folder>   (the folder must be new or empty)");
  process.exit(2);
}
try {
  const config = loadConfig();
  const manifest = await backup(
    { databaseUrl: config.DATABASE_URL, pgliteDir: config.dbDir, indexDir: config.indexDir },
    out,
  );
  console.log(JSON.stringify(manifest, null, 2));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `backup failed: ${(err as Error).message}`);
  process.exit(1);
}
