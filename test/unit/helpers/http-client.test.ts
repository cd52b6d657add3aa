import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import {
  caller,
  http,
  httpRaw,
  type ApiError,
  type ApiResponse,
  type RequestBody,
  type ResolvePath,
  type Schema,
} from "../../helpers/http.ts";

// Type-level checks of the typed test client, done by `tsc --noEmit` (this function never runs):
// each `Expect<Equal<…>>` fails to compile when the types drift, each `@ts-expect-error` when the
// line it marks compiles.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

export type PathChecks = [
  // `${string}` also matches "/": the most specific declared path wins.
  Expect<Equal<ResolvePath<`/api/datasets/${string}`>, "/api/datasets/{datasetId}">>,
  Expect<Equal<ResolvePath<`/api/datasets/${string}/index`>, "/api/datasets/{datasetId}/index">>,
  Expect<Equal<ResolvePath<`/api/datasets/${string}/index/versions`>, "/api/datasets/{datasetId}/index/versions">>,
  Expect<
    Equal<
      ResolvePath<`/api/datasets/${string}/clusters/runs/${string}/map`>,
      "/api/datasets/{datasetId}/clusters/runs/{runId}/map"
    >
  >,
  Expect<
    Equal<
      ResolvePath<`/api/datasets/${string}/clusters/runs/${string}/compare/${string}`>,
      "/api/datasets/{datasetId}/clusters/runs/{runId}/compare/{otherRunId}"
    >
  >,
  // A query is not part of the path; a number in a template fills a parameter too.
  Expect<Equal<ResolvePath<"/api/search-analytics?granularity=month">, "/api/search-analytics">>,
  Expect<
    Equal<
      ResolvePath<`/api/datasets/${string}/messages/${number}?context=2`>,
      "/api/datasets/{datasetId}/messages/{messageId}"
    >
  >,
  Expect<Equal<ResolvePath<"/api/does-not-exist">, never>>,
  // The request body of an operation, and none (or `{}`) for one that declares none.
  Expect<Equal<RequestBody<"POST", "/api/auth/login">, { email: string; password: string }>>,
  Expect<Equal<RequestBody<"GET", "/api/auth/me">, Record<string, never> | undefined>>,
  // The success body, and the error object of the gateway and of the OpenAI-compatible API.
  Expect<Equal<ApiResponse<"GET", `/api/datasets/${string}/index`>["body"], Schema<"IndexStatus">>>,
  Expect<Equal<ApiResponse<"GET", "/api/auth/me">["error"], ApiError>>,
  Expect<Equal<ApiResponse<"POST", "/v1/embeddings">["error"], Schema<"OpenAIError">["error"]>>,
];

export async function callChecks(baseUrl: string, id: string, token: string) {
  const status = await http(baseUrl, "GET", `/api/datasets/${id}/index`, { token });
  const pending: number = status.body.pendingChunks;
  const runs = await http(baseUrl, "GET", `/api/datasets/${id}/clusters/runs`, { token });
  const runIds: string[] = runs.body.runs.map((r) => r.id);
  const login = await http(baseUrl, "POST", "/api/auth/login", { body: { email: "a@example.test", password: "pw" } });
  const code: ApiError["code"] = login.error.code;
  const call = caller(() => baseUrl);
  const me = await call("GET", "/api/auth/me", token);
  const email: string = me.body.user.email;

  // @ts-expect-error a path the document does not declare
  await http(baseUrl, "GET", `/api/nope/${id}`);
  // @ts-expect-error a method the document does not declare on the path
  await http(baseUrl, "POST", `/api/datasets/${id}/index`, { token });
  // @ts-expect-error a required body left out
  await http(baseUrl, "POST", "/api/auth/login");
  // @ts-expect-error a field the request body does not declare
  await http(baseUrl, "POST", "/api/auth/login", { body: { email: "a@example.test", password: "pw", extra: 1 } });
  // @ts-expect-error a body with fields on an operation that takes none
  await http(baseUrl, "POST", "/api/auth/mfa/enrol", { token, body: { code: "1" } });
  // @ts-expect-error a field the response does not declare
  void status.body.notDeclared;
  // @ts-expect-error the positional caller checks the path too
  await call("GET", "/api/nope", token);

  // The escape hatch takes anything and types nothing.
  const raw = await httpRaw(baseUrl, "BREW", "/api/nope", { body: "{not json" });
  const unknownBody: unknown = raw.body;
  return { pending, runIds, code, email, unknownBody };
}

describe("test HTTP client (test/helpers/http.ts)", () => {
  let server: Server;
  let baseUrl: string;
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === "/api/auth/me") {
          res.writeHead(401, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { code: "UNAUTHORIZED", message: "no" } }));
        } else if (req.url?.startsWith("/api/datasets/")) {
          res.writeHead(200, { "content-type": "text/csv" });
          res.end("a,b\n1,2\n");
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ echoed: body ? JSON.parse(body) : null }));
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (seen.length = 0));

  it("sends the body as JSON with the bearer token and parses the JSON answer; error is undefined on success", async () => {
    const res = await http(baseUrl, "POST", "/api/auth/login", {
      body: { email: "a@example.test", password: "pw" },
      token: "t0k",
    });
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ echoed: { email: "a@example.test", password: "pw" } });
    expect(res.error).to.equal(undefined);
    expect(seen[0]).to.include({ method: "POST", url: "/api/auth/login" });
    expect(seen[0]!.headers).to.include({ authorization: "Bearer t0k", "content-type": "application/json" });
  });

  it("exposes an error answer's error object as `error`", async () => {
    const res = await http(baseUrl, "GET", "/api/auth/me", { token: "t0k" });
    expect(res.status).to.equal(401);
    expect(res.error).to.deep.equal({ code: "UNAUTHORIZED", message: "no" });
    expect(seen[0]!.body).to.equal("");
  });

  it("keeps an answer that is not JSON as text", async () => {
    const res = await http(baseUrl, "GET", "/api/datasets/x/analytics/heatmap.csv");
    expect(res.body).to.equal("a,b\n1,2\n");
    expect(res.error).to.equal(undefined);
  });

  it("httpRaw sends a string body as it is, with any method and path", async () => {
    const res = await httpRaw(baseUrl, "PUT", "/anything?x=1", { body: '{"raw":true}', headers: { "x-a": "1" } });
    expect(res.body).to.deep.equal({ echoed: { raw: true } });
    expect(seen[0]).to.include({ method: "PUT", url: "/anything?x=1", body: '{"raw":true}' });
    expect(seen[0]!.headers).to.include({ "x-a": "1", "content-type": "application/json" });
  });

  it("caller binds the base URL when called and takes the token and body positionally", async () => {
    let url = "http://127.0.0.1:1";
    const call = caller(() => url);
    url = baseUrl;
    const res = await call("POST", "/api/auth/login", "t0k", { email: "b@example.test", password: "pw" });
    expect(res.body).to.deep.equal({ echoed: { email: "b@example.test", password: "pw" } });
    expect(seen[0]!.headers).to.include({ authorization: "Bearer t0k" });
  });
});
