import type { Service, ServiceSchema } from "moleculer";
import type { Database, Db } from "../models/db.ts";
import type { AppContext } from "../core/app-context.ts";

/** `this` inside a service that uses the db mixin. */
export interface DbService extends Service {
  app: AppContext;
  database: Database;
  db: Db;
}

/** Gives a service the process's database (opened and migrated on first use) as `this.db`. */
export function dbMixin(app: AppContext): Partial<ServiceSchema> {
  return {
    async started(this: Service) {
      const self = this as DbService;
      self.app = app;
      self.database = await app.database();
      self.db = self.database.db;
    },
  };
}
