// The HTTP client side of bench/index-gateway.ts, in its own process: a load generator or a caller
// that shares the server's event loop would charge its own request building and response parsing
// to the gateway, and under load would take the server's CPU time.
//
//   node --import tsx bench/gateway-client.ts <job.json> <sequential|concurrent|fetch|load>
//
// job.json: { baseUrl, path, token, bodies: string[], connections, seconds }. Prints one JSON line.
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import { timeConcurrentSearches, timeSearches } from "../services/index/search-timing.ts";

interface Job {
  baseUrl: string;
  path: string;
  token: string;
  bodies: string[];
  connections: number;
  seconds: number;
}

// autocannon ships no typings: the part of its API used here.
interface LoadResult {
  latency: { p50: number; p99: number };
  requests: { average: number };
  non2xx: number;
  errors: number;
}
type LoadRequest = { method: "POST"; path: string; headers: Record<string, string>; body: string };
const autocannon = createRequire(import.meta.url)("autocannon") as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: LoadRequest[];
}) => Promise<LoadResult>;

const job = JSON.parse(await readFile(process.argv[2]!, "utf8")) as Job;
const phase = process.argv[3];
const queries = Array.from({ length: job.bodies.length }, (_, i) => i);
const headers = { "content-type": "application/json", authorization: `Bearer ${job.token}` };

const { hostname, port } = new URL(job.baseUrl);
/** node:http over one keep-alive connection of its own, as each autocannon connection is. */
function poster(agent: Agent) {
  return (payload: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          method: "POST",
          path: job.path,
          agent,
          headers: { ...headers, "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`gateway answered ${res.statusCode}`));
          res.resume().on("end", resolve);
        },
      );
      req.on("error", reject).end(payload);
    });
}

if (phase === "sequential") {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const post = poster(agent);
  console.log(JSON.stringify(await timeSearches((q: number) => post(job.bodies[q]!), queries)));
  agent.destroy();
} else if (phase === "concurrent") {
  // `connections` callers, each on its own connection, as autocannon runs them, but timed with
  // sub-millisecond resolution (autocannon reports whole milliseconds).
  const agents = Array.from({ length: job.connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const posts = agents.map(poster);
  const timing = await timeConcurrentSearches(
    (q: number, caller) => posts[caller]!(job.bodies[q]!),
    queries,
    job.connections,
    job.seconds * 1000,
  );
  console.log(JSON.stringify(timing));
  for (const agent of agents) agent.destroy();
} else if (phase === "fetch") {
  const url = new URL(job.path, job.baseUrl);
  const post = async (payload: string) => {
    const res = await fetch(url, { method: "POST", headers, body: payload });
    if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
    await res.arrayBuffer();
  };
  console.log(JSON.stringify(await timeSearches((q: number) => post(job.bodies[q]!), queries)));
} else if (phase === "load") {
  const load = await autocannon({
    url: job.baseUrl,
    connections: job.connections,
    duration: job.seconds,
    requests: job.bodies.slice(0, 50).map((body) => ({ method: "POST", path: job.path, headers, body })),
  });
  console.log(
    JSON.stringify({
      p50Ms: load.latency.p50,
      p99Ms: load.latency.p99,
      requestsPerSecond: Math.round(load.requests.average),
      non2xx: load.non2xx,
      errors: load.errors,
    }),
  );
} else throw new Error(`unknown phase ${phase}`);
