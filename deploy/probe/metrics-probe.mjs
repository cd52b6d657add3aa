#!/usr/bin/env node
/* global AbortSignal */
// Health probe for chatlens nodes without an HTTP port (worker, embedder): every node serves
// Prometheus metrics, so the metrics endpoint is what can be asked.
//
//   node deploy/probe/metrics-probe.mjs          alive: /metrics answers 200 (needs the event
//                                                loop, so a wedged process fails, which a TCP
//                                                probe on the same port would not notice)
//   node deploy/probe/metrics-probe.mjs --ready  ready: the broker has started all its services
//                                                and, in a cluster, is connected to the transporter,
//                                                and reaches its database (chatlens_database_up)
//
// Used by docker compose healthchecks and the Kubernetes readiness probes. Plain JavaScript
// with no imports, so it starts in tens of milliseconds and runs in every image.
const port = process.env.METRICS_PORT || "3030";
const path = process.env.METRICS_PATH || "/metrics";
const ready = process.argv.includes("--ready");

/** The value of a gauge sample, whatever its labels; undefined when the metric is absent. */
function gauge(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) throw new Error(`metrics answered ${res.status}`);
  if (ready) {
    const text = await res.text();
    if (gauge(text, "moleculer_broker_started") !== 1) throw new Error("broker not started");
    // Absent on a node without a transporter (embedded): nothing to be connected to.
    const connected = gauge(text, "moleculer_transit_connected");
    if (connected !== undefined && connected !== 1) throw new Error("transporter not connected");
    // Set by every node whose services use the database (services/ops/ops.service.ts).
    const database = gauge(text, "chatlens_database_up");
    if (database !== undefined && database !== 1) throw new Error("database unreachable");
  }
  process.exit(0);
} catch (err) {
  console.error(`chatlens probe failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
