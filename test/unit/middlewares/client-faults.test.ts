import { Readable } from "node:stream";
import { expect } from "chai";
import { Errors, type ActionSchema, type Context } from "moleculer";
import { ClientError } from "../../../core/errors.ts";
import { ClientFaultsMiddleware, findBadValue, isDataException } from "../../../middlewares/client-faults.ts";

const wrap = ClientFaultsMiddleware.localAction;
const ctxOf = (params: unknown) => ({ params }) as Context;

async function rejection(run: () => Promise<unknown>): Promise<Errors.MoleculerError> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call should fail").to.be.instanceOf(Errors.MoleculerError);
  return err as Errors.MoleculerError;
}

/** Issue 15 M1, L6: the caller's faults stay 4xx and never reach the database or the circuit breaker as server faults. */
describe("client faults middleware", () => {
  describe("findBadValue", () => {
    it("finds a NUL byte in a string, naming the field by its path", () => {
      expect(findBadValue({ query: "a\u0000b" })).to.deep.equal({
        field: "query",
        message: "must not contain NUL characters",
      });
      expect(findBadValue({ filters: { platforms: ["ok", "x\u0000"] } })?.field).to.equal("filters.platforms[1]");
      expect(findBadValue("\u0000")?.field).to.equal("params");
    });

    it("finds a NUL byte in a key", () => {
      expect(findBadValue({ weights: { ["se\u0000mantic"]: 1 } })).to.deep.equal({
        field: "weights",
        message: "keys must not contain NUL characters",
      });
    });

    it("finds dates PostgreSQL would refuse or that are not a chat's: outside the years 1 to 9999, or invalid", () => {
      expect(findBadValue({ filters: { from: new Date("0000-01-01T00:00:00Z") } })?.field).to.equal("filters.from");
      expect(findBadValue({ to: new Date(Date.UTC(10_000, 0, 1)) })?.message).to.contain(
        "between the years 1 and 9999",
      );
      expect(findBadValue({ to: new Date(Number.NaN) })?.field).to.equal("to");
      expect(findBadValue({ from: new Date("0001-01-01T00:00:00Z"), to: new Date("9999-12-31T23:59:59Z") })).to.equal(
        undefined,
      );
    });

    it("accepts ordinary params, emoji and other scripts", () => {
      expect(
        findBadValue({ query: "zebrafish 🐟 тест 漢字", k: 10, mode: "hybrid", ids: [1, 2, 3], nothing: null }),
      ).to.equal(undefined);
      expect(findBadValue(undefined)).to.equal(undefined);
    });

    it("walks plain objects and arrays only: an upload stream or a class instance is not read", () => {
      const stream = Readable.from(["a\u0000b"]);
      class Holder {
        text = "a\u0000b";
      }
      expect(findBadValue({ file: stream, holder: new Holder(), bytes: Buffer.from("a\u0000b") })).to.equal(undefined);
      expect(findBadValue(Object.assign(Object.create(null) as object, { q: "\u0000" }))?.field).to.equal("q");
    });

    it("walks deep and wide params without recursion", () => {
      let deep: unknown = "x\u0000";
      for (let i = 0; i < 50_000; i++) deep = [deep];
      expect(findBadValue({ deep })?.field).to.match(/^deep(\[0\]){50000}$/);
      expect(
        findBadValue({ wide: Array.from({ length: 50_000 }, (_, i) => (i === 49_999 ? "\u0000" : "ok")) })?.field,
      ).to.equal("wide[49999]");
    });
  });

  describe("isDataException", () => {
    it("recognises SQLSTATE class 22, also wrapped by a query builder", () => {
      expect(isDataException({ code: "22P05" })).to.equal(true);
      expect(isDataException({ code: "22008" })).to.equal(true);
      expect(isDataException(new Error("Failed query", { cause: { code: "22021" } }))).to.equal(true);
    });

    it("leaves every other error a server fault", () => {
      for (const err of [
        { code: "23505" },
        { code: "40001" },
        { code: "ECONNREFUSED" },
        { code: 22 },
        new Error("x"),
        undefined,
        "22001",
      ])
        expect(isDataException(err), JSON.stringify(err)).to.equal(false);
      // Too deep a cause chain is not followed (a cycle must not hang).
      const cyclic: { code: string; cause?: unknown } = { code: "XX000" };
      cyclic.cause = cyclic;
      expect(isDataException(cyclic)).to.equal(false);
    });
  });

  describe("the middleware", () => {
    it("refuses bad values in a published action's params with a 422 naming the field, before the handler runs", async () => {
      let ran = false;
      const handler = wrap(async () => (ran = true), { name: "index.search", visibility: "published" } as ActionSchema);
      const err = await rejection(() => handler(ctxOf({ query: "a\u0000" })));
      expect(err).to.be.instanceOf(Errors.ValidationError);
      expect(err.code).to.equal(422);
      expect(err.type).to.equal("VALIDATION_ERROR");
      expect(err.data).to.deep.equal([
        { type: "custom", field: "query", message: "query must not contain NUL characters" },
      ]);
      expect(ran).to.equal(false);
      // Moleculer's default visibility is published.
      await rejection(() => wrap(async () => 1, { name: "x" } as ActionSchema)(ctxOf({ q: "\u0000" })));
    });

    it("does not walk the params of internal actions", async () => {
      const handler = wrap(async () => "ran", { name: "index.vectorSearch", visibility: "public" } as ActionSchema);
      expect(await handler(ctxOf({ q: "\u0000" }))).to.equal("ran");
    });

    it("turns a database data exception into a 422 client error without the SQL", async () => {
      const dbError = Object.assign(
        new Error("Failed query: insert into messages values ($1) params: secret chat text"),
        { code: "22P05" },
      );
      const handler = wrap(
        async () => {
          throw dbError;
        },
        { name: "index.search", visibility: "public" } as ActionSchema,
      );
      const err = await rejection(() => handler(ctxOf({})));
      expect(err).to.be.instanceOf(ClientError);
      expect(err.code).to.equal(422);
      expect(err.type).to.equal("VALIDATION_ERROR");
      expect(err.message).not.to.contain("insert");
      expect(JSON.stringify(err.data ?? null)).not.to.contain("secret");
    });

    it("passes every other error and every answer through unchanged", async () => {
      const other = new Errors.MoleculerError("db down", 500, "INTERNAL");
      const failing = wrap(
        async () => {
          throw other;
        },
        { name: "a" } as ActionSchema,
      );
      expect(await rejection(() => failing(ctxOf({})))).to.equal(other);
      expect(await wrap(async () => ({ ok: 1 }), { name: "a" } as ActionSchema)(ctxOf({ q: "fine" }))).to.deep.equal({
        ok: 1,
      });
    });
  });
});
