import path from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { expect } from "chai";
import { confirmationToken } from "../../../services/auth/mail-outbox.ts";
import { outboxDirOf } from "../../helpers/accounts.ts";
import { http, type JsonResponse } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, logIn, signUp, type Account } from "../auth/fixtures.ts";
import { EMBED_TEST_ENV } from "../embedder/helpers.ts";
import { createDataset, importFile, uploadFile } from "../ingest/helpers.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";

/** A small export with a line that does not parse, so the import summary carries a warning. */
const EXPORT = path.join(REPO_ROOT, "test/fixtures/ingest/generic.jsonl");

type Doc = {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>
  >;
  components: { schemas: object };
};

/**
 * The response schemas of the OpenAPI document (and so the UI's generated types) are true:
 * real requests through the gateway, one or more per service, each body validated against
 * the document's schema for its operation and status. The schemas are closed objects, so a
 * field a handler adds without documenting it fails here too.
 */
describe("OpenAPI response schemas match what the gateway answers", function () {
  this.timeout(360_000);
  let p: TestPlatform;
  let doc: Doc;
  let a: Account;
  let datasetId: string;
  const validators = new Map<string, ValidateFunction>();

  /** Validates `res` against the schema of `METHOD template` for its status. */
  function expectDocumented(res: Pick<JsonResponse<unknown>, "status" | "body">, operation: string, status: number) {
    expect(res.status, JSON.stringify(res.body)).to.equal(status);
    const [method, template] = operation.split(" ") as [string, string];
    const key = `${operation} ${status}`;
    let validate = validators.get(key);
    if (!validate) {
      const schema =
        doc.paths[template]?.[method.toLowerCase()]?.responses[String(status)]?.content?.["application/json"]?.schema;
      expect(schema, `${key} is documented`).to.be.an("object").that.is.not.empty;
      validate = ajv.compile({ ...schema, components: doc.components });
      validators.set(key, validate);
    }
    expect(
      validate(res.body),
      `${key}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`,
    ).to.equal(true);
  }

  // Strict: a misspelt keyword in a schema is an error, not a schema that accepts anything.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  // The document's named schemas travel with each compiled schema, so its `#/components/schemas/…` refs resolve.
  ajv.addKeyword("components");
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/);
  ajv.addFormat("uuid", /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

  before(async () => {
    p = await startTestPlatform({
      services: ["api", "auth", "ingest", "embedder", "index", "cluster", "analytics"],
      env: { ...AUTH_TEST_ENV, ...EMBED_TEST_ENV },
    });
    // The document declares itself only as an object; its shape is OpenAPI 3.1.
    doc = (await http(p.baseUrl, "GET", "/api/openapi.json")).body as Doc;
  });
  after(() => p?.stop());

  it("documents a success body for every operation", () => {
    const undocumented = Object.entries(doc.paths).flatMap(([route, ops]) =>
      Object.entries(ops).flatMap(([method, op]) => {
        const success = Object.entries(op.responses).find(([status]) => status !== "default")?.[1];
        const bodies = Object.values(success?.content ?? {});
        return bodies.length && bodies.every((b) => Object.keys(b.schema).length > 0)
          ? []
          : [`${method.toUpperCase()} ${route}`];
      }),
    );
    expect(undocumented).to.deep.equal([]);
  });

  it("health and readiness", async () => {
    expectDocumented(await http(p.baseUrl, "GET", "/api/health"), "GET /api/health", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/ready"), "GET /api/ready", 200);
  });

  it("auth: sign-up, log-in, me, sessions, organisations, API keys, audit", async () => {
    const email = `contract-${Date.now()}@example.test`;
    const res = await http(p.baseUrl, "POST", "/api/auth/signup", {
      body: { email, password: "correct horse battery staple" },
    });
    expectDocumented(res, "POST /api/auth/signup", 202);
    const confirmed = await http(p.baseUrl, "POST", "/api/auth/signup/confirm", {
      body: { token: await confirmationToken(outboxDirOf(p.config), email), password: "correct horse battery staple" },
    });
    expectDocumented(confirmed, "POST /api/auth/signup/confirm", 200);
    a = await signUp(p);
    expectDocumented(await logIn(p, a.email), "POST /api/auth/login", 200);
    const token = a.accessToken;
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/me", { token }), "GET /api/auth/me", 200);
    expectDocumented(
      await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } }),
      "POST /api/auth/refresh",
      200,
    );
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/providers"), "GET /api/auth/providers", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/sessions", { token }), "GET /api/auth/sessions", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/orgs", { token }), "GET /api/auth/orgs", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/members", { token }), "GET /api/auth/members", 200);
    const invitation = await http(p.baseUrl, "POST", "/api/auth/invitations", {
      token,
      body: { email: "someone@example.test", role: "viewer" },
    });
    expectDocumented(invitation, "POST /api/auth/invitations", 201);
    expectDocumented(
      await http(p.baseUrl, "GET", "/api/auth/invitations", { token }),
      "GET /api/auth/invitations",
      200,
    );
    const key = await http(p.baseUrl, "POST", "/api/auth/api-keys", {
      token,
      body: { name: "contract", permissions: ["models.read"] },
    });
    expectDocumented(key, "POST /api/auth/api-keys", 201);
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/api-keys", { token }), "GET /api/auth/api-keys", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/v1/models", { token: key.body.key }), "GET /v1/models", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/auth/audit", { token }), "GET /api/auth/audit", 200);
    expectDocumented(await http(p.baseUrl, "POST", "/api/auth/mfa/enrol", { token }), "POST /api/auth/mfa/enrol", 200);
  });

  it("ingest: datasets, upload and import status, conversations, messages", async () => {
    const token = a.accessToken;
    const created = await http(p.baseUrl, "POST", "/api/datasets", { token, body: { name: "contract" } });
    expectDocumented(created, "POST /api/datasets", 201);
    datasetId = await createDataset(p, a);
    const upload = await uploadFile(p, token, datasetId, EXPORT);
    expectDocumented(upload, "POST /api/datasets/{datasetId}/imports", 202);
    const done = await importFile(p, a, datasetId, EXPORT);
    expect(done.status, JSON.stringify(done.error)).to.equal("completed");
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/imports/${done.id}`, { token }),
      "GET /api/imports/{importId}",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/imports`, { token }),
      "GET /api/datasets/{datasetId}/imports",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}`, { token }),
      "GET /api/datasets/{datasetId}",
      200,
    );
    expectDocumented(await http(p.baseUrl, "GET", "/api/datasets", { token }), "GET /api/datasets", 200);
    expectDocumented(await http(p.baseUrl, "GET", "/api/formats", { token }), "GET /api/formats", 200);
    const conversations = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/conversations`, { token });
    expectDocumented(conversations, "GET /api/datasets/{datasetId}/conversations", 200);
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/participants`, { token }),
      "GET /api/datasets/{datasetId}/participants",
      200,
    );
    const messages = await http(
      p.baseUrl,
      "GET",
      `/api/datasets/${datasetId}/conversations/${conversations.body.items[0].id}/messages?limit=2`,
      { token },
    );
    expectDocumented(messages, "GET /api/datasets/{datasetId}/conversations/{conversationId}/messages", 200);
    const message = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/messages/${messages.body.items[0].id}`, {
      token,
    });
    expectDocumented(message, "GET /api/datasets/{datasetId}/messages/{messageId}", 200);
  });

  it("embedder: models and embedding progress", async () => {
    const token = a.accessToken;
    const models = await http(p.baseUrl, "GET", "/api/models", { token });
    expectDocumented(models, "GET /api/models", 200);
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/models/${models.body.items[0].id}`, { token }),
      "GET /api/models/{id}",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/embedding`, { token }),
      "GET /api/datasets/{datasetId}/embedding",
      200,
    );
  });

  it("index: keyword search, index status and versions", async () => {
    const token = a.accessToken;
    const search = await http(p.baseUrl, "POST", "/api/search", {
      token,
      body: { datasetId, query: "first", mode: "keyword" },
    });
    expectDocumented(search, "POST /api/search", 200);
    expect(search.body.items.length, "the search found the imported message").to.be.greaterThan(0);
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token }),
      "GET /api/datasets/{datasetId}/index",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/index/versions`, { token }),
      "GET /api/datasets/{datasetId}/index/versions",
      200,
    );
  });

  it("analytics: activity dashboard, one table, search analytics", async () => {
    const token = a.accessToken;
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/analytics`, { token }),
      "GET /api/datasets/{datasetId}/analytics",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/analytics/heatmap`, { token }),
      "GET /api/datasets/{datasetId}/analytics/{table}",
      200,
    );
    expectDocumented(
      await http(p.baseUrl, "GET", "/api/search-analytics", { token }),
      "GET /api/search-analytics",
      200,
    );
  });

  it("cluster: runs of a dataset", async () => {
    const runs = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}/clusters/runs`, { token: a.accessToken });
    expectDocumented(runs, "GET /api/datasets/{datasetId}/clusters/runs", 200);
  });
});
