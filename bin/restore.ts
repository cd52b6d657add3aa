/**
 * `node --import tsx bin/restore.ts <folder>`: restores a backup made by bin/backup.ts into the
 * configured locations, which must be fresh: DATABASE_URL names a new or empty database (created
 * when missing), or DATA_DIR has no database yet; INDEX_DIR is empty. Start the platform afterwards.
 */
import { ConfigError, loadConfig } from "../config/index.ts";
import { restore } from "../services/ops/backup.ts";

const from = process.argv[2];
if (!from) {
  console.error("Usage: restore <backup folder>");
  process.exit(2);
}
try {
  const config = loadConfig();
  const { manifest, indexes } = await restore(from, {
    databaseUrl: config.DATABASE_URL,
    pgliteDir: config.dbDir,
    indexDir: config.indexDir,
  });
  console.log(
    JSON.stringify({ restored: manifest.createdAt, database: manifest.database.kind, liveIndexes: indexes }, null, 2),
  );
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `restore failed: ${(err as Error).message}`);
  process.exit(1);
}
