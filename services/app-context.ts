import type { Config } from "../config/index.ts";
import { openDatabase, type Database } from "../models/db.ts";

/**
 * What every service of one process shares: the configuration and one database handle.
 * PGlite can be opened by one owner only, so all services in an embedded process use the
 * same instance; on PostgreSQL each process keeps one pool.
 */
export interface AppContext {
  config: Config;
  database(): Promise<Database>;
  close(): Promise<void>;
}

export function createAppContext(config: Config, given?: Database): AppContext {
  let opening: Promise<Database> | undefined = given ? Promise.resolve(given) : undefined;
  return {
    config,
    database() {
      opening ??= openDatabase({ url: config.DATABASE_URL, dataDir: config.dbDir }).catch((err) => {
        opening = undefined;
        throw err;
      });
      return opening;
    },
    async close() {
      if (!given && opening) await (await opening.catch(() => undefined))?.close();
      opening = undefined;
    },
  };
}
