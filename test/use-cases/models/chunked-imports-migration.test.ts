import { expect } from "chai";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/pglite/migrator";
import { MIGRATIONS_DIR, openDatabase, type Database } from "../../../models/db.ts";
import { rowsOf } from "../../../models/sql.ts";

/** The migrations folder as it was before `tag` (journal cut there), to build an older database. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "chatlens-migrations-"));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  const journalFile = path.join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  expect(cut, `migration ${tag}`).to.be.greaterThan(0);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/**
 * Migration 0007 moves the embedder's chunking marks off ingest's `imports` table into its own
 * `chunked_imports`: a database of the previous version keeps every mark it had, so no dataset's
 * index waits for a chunking that happened before the upgrade.
 */
describe("models/migrations 0007: chunking marks move to the embedder's table", function () {
  this.timeout(120_000);
  let database: Database;
  let older: string;
  before(() => (older = migrationsBefore("0007_chunked_imports_owned_by_embedder")));
  after(async () => {
    await database?.close();
    rmSync(older, { recursive: true, force: true });
  });

  it("keeps the marks of imports that added messages and drops the column", async () => {
    database = await openDatabase({ migrate: false });
    const { db } = database;
    await migrate(db as never, { migrationsFolder: older });
    const [org] = await rowsOf<{ id: string }>(db, sql`insert into orgs (name) values ('o') returning id`);
    const [ds] = await rowsOf<{ id: string }>(
      db,
      sql`insert into datasets (org_id, name, model_id) values (${org!.id}, 'd', 'm') returning id`,
    );
    const imported = (added: number, chunkedAt: string | null) =>
      rowsOf<{ id: string }>(
        db,
        sql`insert into imports (org_id, dataset_id, filename, status, messages_added, chunked_at)
            values (${org!.id}, ${ds!.id}, 'f.txt', 'completed', ${added}, ${chunkedAt}) returning id`,
      ).then((rows) => rows[0]!.id);
    const chunked = await imported(5, "2026-01-02T03:04:05Z");
    await imported(0, "2026-01-02T03:04:05Z");
    const stillChunking = await imported(3, null);

    await migrate(db as never, { migrationsFolder: MIGRATIONS_DIR });

    const marks = await rowsOf<{ import_id: string; dataset_id: string; chunked_at: string | Date }>(
      db,
      sql`select import_id, dataset_id, chunked_at from chunked_imports`,
    );
    expect(marks.map((m) => m.import_id)).to.deep.equal([chunked]);
    expect(marks[0]!.dataset_id).to.equal(ds!.id);
    expect(new Date(marks[0]!.chunked_at).toISOString()).to.equal("2026-01-02T03:04:05.000Z");
    expect(marks.map((m) => m.import_id)).to.not.include(stillChunking);
    const columns = await rowsOf<{ column_name: string }>(
      db,
      sql`select column_name from information_schema.columns where table_name = 'imports'`,
    );
    expect(columns.map((c) => c.column_name))
      .to.include("messages_added")
      .and.not.include("chunked_at");
  });
});
