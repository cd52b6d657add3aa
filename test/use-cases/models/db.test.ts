import { expect } from "chai";
import { sql } from "drizzle-orm";
import { openDatabase, type Database } from "../../../models/db.ts";

describe("models/db: embedded PGlite shares the event loop", function () {
  let database: Database;

  before(async () => {
    database = await openDatabase({ migrate: false });
  });
  after(async () => {
    await database.close();
  });

  it("lets other callbacks run between back-to-back queries (a dashboard's queries held the whole process)", async () => {
    let turns = 0;
    let running = true;
    const spin = () => {
      turns++;
      if (running) setImmediate(spin);
    };
    setImmediate(spin);
    for (let i = 0; i < 50; i++) await database.rows(sql`select ${i}::int as i`);
    running = false;
    // One turn before each query at least; without the yield the queries' promise chain ran alone.
    expect(turns).to.be.at.least(50);
  });
});
