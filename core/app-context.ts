import type { Config } from "../config/index.ts";
import { openDatabaseWithRetry, type Database, type RetryInfo } from "../models/db.ts";

/**
 * What every service of one process shares: the configuration and one database handle.
 * PGlite can be opened by one owner only, so all services in an embedded process use the
 * same instance; on PostgreSQL each process keeps one pool.
 */
export interface AppContext {
  config: Config;
  database(): Promise<Database>;
  close(): Promise<void>;
  /** Called before each retry while the database cannot be reached at start-up (for the log). */
  onDatabaseRetry?: (info: RetryInfo) => void;
}

export function createAppContext(config: Config, given?: Database): AppContext {
  let opening: Promise<Database> | undefined = given ? Promise.resolve(given) : undefined;
  // Aborted by close(): a node stopped while it waits for its database stops at once.
  let abort = new AbortController();
  const app: AppContext = {
    config,
    database() {
      // A server that is not up yet (a roll-out, a restart) is waited for, DATABASE_STARTUP_WAIT_S at most.
      opening ??= openDatabaseWithRetry(
        { url: config.DATABASE_URL, dataDir: config.dbDir },
        {
          waitMs: config.DATABASE_STARTUP_WAIT_S * 1000,
          signal: abort.signal,
          onRetry: (info) => app.onDatabaseRetry?.(info),
        },
      ).catch((err) => {
        opening = undefined;
        throw err;
      });
      return opening;
    },
    async close() {
      abort.abort();
      abort = new AbortController();
      if (!given && opening) await (await opening.catch(() => undefined))?.close();
      opening = undefined;
    },
  };
  return app;
}
