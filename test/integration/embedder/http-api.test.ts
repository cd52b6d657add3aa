import { expect } from "chai";
import OpenAI from "openai";
import { base64ToFloat32 } from "../../../lib/vector-codec.ts";
import { http, httpRaw, type Schema } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp, type Account } from "../auth/fixtures.ts";
import { chatter, createOrgAndDataset, EMBED_TEST_ENV, seedImport, waitUntilEmbedded } from "./helpers.ts";

function cosine(a: ArrayLike<number>, b: ArrayLike<number>) {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot; // vectors are unit length
}

describe("embedder over HTTP: /api/models, embedding progress and the OpenAI-compatible /v1 API", function () {
  this.timeout(360_000);
  let p: TestPlatform;
  let owner: Account;
  let stranger: Account;
  let fullKey: string;
  let readKey: string;
  let client: OpenAI;

  const apiKey = async (account: Account, permissions: Schema<"Permission">[]) => {
    const res = await http(p.baseUrl, "POST", "/api/auth/api-keys", {
      token: account.accessToken,
      body: { name: "test", permissions },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.key;
  };

  before(async () => {
    p = await startTestPlatform({
      services: ["api", "auth", "embedder"],
      env: { ...AUTH_TEST_ENV, ...EMBED_TEST_ENV },
    });
    owner = await signUp(p);
    stranger = await signUp(p);
    fullKey = await apiKey(owner, ["embeddings.create", "models.read"]);
    readKey = await apiKey(owner, ["models.read"]);
    client = new OpenAI({ apiKey: fullKey, baseURL: `${p.baseUrl}/v1`, maxRetries: 0 });
  });
  after(async () => p?.stop());

  describe("model registry", () => {
    it("lists models with their metadata and the nodes that serve them", async () => {
      const res = await http(p.baseUrl, "GET", "/api/models", { token: owner.accessToken });
      expect(res.status).to.equal(200);
      const m = res.body.items.find((x) => x.id === "use-lite")!;
      expect(m).to.include({
        id: "use-lite",
        dimension: 512,
        maxTokens: 128,
        runtime: "onnxruntime",
        quantization: "fp32",
        matryoshka: false,
      });
      expect(m.license).to.match(/apache/i);
      expect(m.languages).to.include("en");
      expect(m.sizeBytes).to.be.greaterThan(1_000_000);
      expect(m.nodes).to.deep.equal([{ nodeID: p.broker.nodeID, gpu: false, loaded: m.nodes[0].loaded }]);
      expect(m).not.to.have.property("path");
    });

    it("shows one model, 404 MODEL_NOT_FOUND for an unknown id, 401 without a token", async () => {
      const one = await http(p.baseUrl, "GET", "/api/models/use-lite", { token: owner.accessToken });
      expect(one.status).to.equal(200);
      expect(one.body.id).to.equal("use-lite");
      const missing = await http(p.baseUrl, "GET", "/api/models/nope", { token: owner.accessToken });
      expect(missing.status).to.equal(404);
      expect(missing.error.code).to.equal("MODEL_NOT_FOUND");
      expect((await http(p.baseUrl, "GET", "/api/models")).status).to.equal(401);
    });
  });

  describe("embedding progress", () => {
    it("reports chunks, embedded and pending for the caller's org; another org's dataset is 404", async () => {
      const db = p.database.db;
      const target = await createOrgAndDataset(db, owner.orgId);
      const seeded = await seedImport(db, target, [chatter(24, "progress")]);
      const empty = await http(p.baseUrl, "GET", `/api/datasets/${target.datasetId}/embedding`, {
        token: owner.accessToken,
      });
      expect(empty.body).to.deep.equal({ chunks: 0, embedded: 0, pending: 0, modelId: "use-lite" });
      await p.broker.emit("import.completed", { ...seeded, messagesAdded: 24 });
      const c = await waitUntilEmbedded(db, target.datasetId);
      const res = await http(p.baseUrl, "GET", `/api/datasets/${target.datasetId}/embedding`, {
        token: owner.accessToken,
      });
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal({ chunks: c.chunks, embedded: c.chunks, pending: 0, modelId: "use-lite" });

      const foreign = await http(p.baseUrl, "GET", `/api/datasets/${target.datasetId}/embedding`, {
        token: stranger.accessToken,
      });
      expect(foreign.status).to.equal(404);
      const bad = await http(p.baseUrl, "GET", `/api/datasets/not-a-uuid/embedding`, { token: owner.accessToken });
      expect(bad.status).to.equal(422);
    });
  });

  describe("OpenAI-compatible API with the official openai client", () => {
    it("embeds a string and an array (base64 by default in the client, decoded to floats)", async () => {
      const one = await client.embeddings.create({ model: "use-lite", input: "How are you doing today?" });
      expect(one.object).to.equal("list");
      expect(one.model).to.equal("use-lite");
      expect(one.data).to.have.length(1);
      expect(one.data[0]!.object).to.equal("embedding");
      expect(one.data[0]!.embedding).to.have.length(512);
      expect(one.usage.prompt_tokens).to.be.greaterThan(3);
      expect(one.usage.total_tokens).to.equal(one.usage.prompt_tokens);

      const many = await client.embeddings.create({
        model: "use-lite",
        input: ["The cat sat on the mat.", "A kitten is sitting on a rug.", "Quarterly revenue grew by ten percent."],
      });
      expect(many.data.map((d) => d.index)).to.deep.equal([0, 1, 2]);
      const [a, b, c] = many.data.map((d) => d.embedding);
      expect(cosine(a!, b!)).to.be.greaterThan(cosine(a!, c!) + 0.2);
    });

    it("answers float and base64 (little-endian float32) alike", async () => {
      const input = "the train to Lisbon leaves at nine";
      const floats = await http(p.baseUrl, "POST", "/v1/embeddings", {
        token: fullKey,
        body: { model: "use-lite", input, encoding_format: "float" },
      });
      const b64 = await http(p.baseUrl, "POST", "/v1/embeddings", {
        token: fullKey,
        body: { model: "use-lite", input, encoding_format: "base64" },
      });
      expect(floats.status).to.equal(200);
      expect(typeof b64.body.data[0].embedding).to.equal("string");
      // The document answers either form; this request asked for base64.
      const b64Embedding = b64.body.data[0].embedding as string;
      const decoded = base64ToFloat32(b64Embedding);
      // What OpenAI's own clients do with the string: bytes → Float32Array (little-endian).
      const fromBuffer = new Float32Array(Uint8Array.from(Buffer.from(b64Embedding, "base64")).buffer);
      expect(Array.from(decoded)).to.deep.equal(floats.body.data[0].embedding);
      expect(Array.from(fromBuffer)).to.deep.equal(floats.body.data[0].embedding);
      const viaClient = await client.embeddings.create({ model: "use-lite", input, encoding_format: "float" });
      expect(viaClient.data[0]!.embedding).to.deep.equal(floats.body.data[0].embedding);
    });

    it("lists and retrieves models", async () => {
      const list = await client.models.list();
      expect(list.data.map((m) => m.id)).to.include("use-lite");
      expect(list.data[0]).to.include({ object: "model", owned_by: "chatlens" });
      const one = await client.models.retrieve("use-lite");
      expect(one.id).to.equal("use-lite");
    });

    it("answers errors in OpenAI's shape: unknown model, dimensions, bad input, permissions, missing key", async () => {
      const unknown = await client.embeddings.create({ model: "text-embedding-3-small", input: "hi" }).catch((e) => e);
      expect(unknown).to.be.instanceOf(OpenAI.NotFoundError);
      expect(unknown.status).to.equal(404);
      expect(unknown.code).to.equal("model_not_found");
      expect(unknown.error).to.include({ type: "invalid_request_error", param: "model" });

      const dims = await client.embeddings.create({ model: "use-lite", input: "hi", dimensions: 256 }).catch((e) => e);
      expect(dims).to.be.instanceOf(OpenAI.BadRequestError);
      expect(dims.error).to.include({ param: "dimensions", type: "invalid_request_error" });

      const empty = await http(p.baseUrl, "POST", "/v1/embeddings", {
        token: fullKey,
        body: { model: "use-lite", input: [] },
      });
      expect(empty.status).to.equal(400);
      expect(empty.error).to.include({ type: "invalid_request_error", param: "input" });
      const extra = await httpRaw(p.baseUrl, "POST", "/v1/embeddings", {
        token: fullKey,
        body: { model: "use-lite", input: "x", temperature: 1 },
      });
      expect(extra.status).to.equal(400);
      expect(Object.keys(extra.error).sort()).to.deep.equal(["code", "message", "param", "type"]);

      const readOnly = new OpenAI({ apiKey: readKey, baseURL: `${p.baseUrl}/v1`, maxRetries: 0 });
      const denied = await readOnly.embeddings.create({ model: "use-lite", input: "hi" }).catch((e) => e);
      expect(denied).to.be.instanceOf(OpenAI.PermissionDeniedError);
      expect((await readOnly.models.list()).data.length).to.be.greaterThan(0);

      const noKey = await http(p.baseUrl, "POST", "/v1/embeddings", { body: { model: "use-lite", input: "hi" } });
      expect(noKey.status).to.equal(401);
      expect(noKey.error).to.include({ type: "invalid_request_error", code: "invalid_api_key" });
      const badKey = new OpenAI({ apiKey: "cl_not-a-real-key", baseURL: `${p.baseUrl}/v1`, maxRetries: 0 });
      expect(await badKey.models.list().catch((e) => e)).to.be.instanceOf(OpenAI.AuthenticationError);

      // The /api route keeps its own error shape.
      const api = await http(p.baseUrl, "GET", "/api/models/nope", { token: owner.accessToken });
      expect(api.error.code).to.equal("MODEL_NOT_FOUND");
    });
  });
});
