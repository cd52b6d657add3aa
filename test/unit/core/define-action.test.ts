import { expect } from "chai";
import { Validators } from "moleculer";
import { z } from "zod";
import { contract, defineAction, zodToValidatorRules } from "../../../core/define-action.ts";

describe("defineAction: one zod contract, the validator's rules and the handler's types", () => {
  it("turns the supported zod subset into the equivalent fastest-validator rules", () => {
    const rules = zodToValidatorRules(
      z
        .object({
          email: z.email().max(254),
          name: z.string().trim().min(1).max(120),
          id: z.uuid().optional(),
          role: z.enum(["viewer", "owner"]),
          avatarUrl: z.string().max(2048).nullable().optional(),
          at: z.coerce.date().optional(),
          limit: z.coerce.number().int().min(1).max(200).optional(),
          before: z.coerce.number().int().positive().optional(),
          on: z.boolean(),
          tags: z
            .array(z.enum(["a", "b"]))
            .min(1)
            .max(2)
            .meta({ uniqueItems: true }),
          data: z.record(z.string(), z.unknown()).nullable().optional(),
          ids: z.array(z.uuid()).max(100).meta({ singleAsArray: true }).optional(),
        })
        .strict(),
    );
    expect(rules).to.deep.equal({
      $$strict: true,
      email: { type: "email", max: 254 },
      name: { type: "string", trim: true, min: 1, max: 120 },
      id: { type: "uuid", optional: true },
      role: { type: "enum", values: ["viewer", "owner"] },
      avatarUrl: { type: "string", max: 2048, nullable: true, optional: true },
      at: { type: "date", convert: true, optional: true },
      limit: { type: "number", convert: true, integer: true, min: 1, max: 200, optional: true },
      before: { type: "number", convert: true, integer: true, positive: true, optional: true },
      on: { type: "boolean" },
      tags: { type: "array", items: { type: "enum", values: ["a", "b"] }, min: 1, max: 2, unique: true },
      data: { type: "object", nullable: true, optional: true },
      ids: { type: "array", items: { type: "uuid" }, max: 100, convert: true, optional: true },
    });
    expect(zodToValidatorRules(z.object({ token: z.string() }))).to.deep.equal({ token: { type: "string" } });
  });

  it("turns a union into fastest-validator's multi rule (a string or a list of strings)", () => {
    const text = z.string().max(10);
    expect(zodToValidatorRules(z.object({ input: z.union([text, z.array(text).min(1).max(3)]) }))).to.deep.equal({
      input: {
        type: "multi",
        rules: [
          { type: "string", max: 10 },
          { type: "array", items: { type: "string", max: 10 }, min: 1, max: 3 },
        ],
      },
    });
  });

  it("keeps a nested object's strictness: the validator refuses its unknown keys", () => {
    const rules = zodToValidatorRules(
      z
        .object({
          filters: z.object({ from: z.coerce.date().optional() }).strict().optional(),
          loose: z.object({ a: z.string() }).optional(),
        })
        .strict(),
    );
    expect(rules).to.deep.equal({
      $$strict: true,
      filters: {
        type: "object",
        strict: true,
        props: { from: { type: "date", convert: true, optional: true } },
        optional: true,
      },
      loose: { type: "object", props: { a: { type: "string" } }, optional: true },
    });
    const check = new Validators.Fastest().compile(rules);
    expect(check({ filters: { from: "2024-01-01" } })).to.equal(true);
    const refused = check({ filters: { from: "2024-01-01", other: 1 } });
    expect(refused).to.be.an("array").with.lengthOf(1);
    expect((refused as { type: string; field: string }[])[0]).to.include({ type: "objectStrict", field: "filters" });
    expect(check({ loose: { a: "x", other: 1 } })).to.equal(true);
  });

  it("refuses, at declaration, what the validator could not check", () => {
    expect(() => zodToValidatorRules(z.object({ word: z.string().toLowerCase() }))).to.throw(
      /no fastest-validator equivalent/,
    );
    expect(() => zodToValidatorRules(z.object({ url: z.url() }))).to.throw(/no fastest-validator equivalent/);
    expect(() => zodToValidatorRules(z.object({ n: z.number().refine((x) => x > 1) }))).to.throw(
      /no fastest-validator equivalent/,
    );
  });

  it("answers the declared success status and Location unless the handler set its own", async () => {
    const created = contract({
      visibility: "published",
      auth: "user",
      params: z.object({}).strict(),
      openapi: { successStatus: 201 },
      location: "/api/things",
    });
    const action = defineAction(created, () => ({ ok: true }));
    expect(action.params).to.deep.equal({ $$strict: true });
    expect(action).to.include({ visibility: "published", auth: "user" }).and.not.have.property("location");
    const meta: Record<string, unknown> = {};
    expect(await action.handler!({ params: {}, meta } as never)).to.deep.equal({ ok: true });
    expect(meta).to.deep.equal({ $statusCode: 201, $location: "/api/things" });
    const own: Record<string, unknown> = { $statusCode: 202 };
    await action.handler!({ params: {}, meta: own } as never);
    expect(own.$statusCode).to.equal(202);
  });
});
