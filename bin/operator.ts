/**
 * Operator CLI: `node --import tsx bin/operator.ts user:create alice@example.com 'a long password'`.
 * With TRANSPORTER=nats://… it joins the running cluster as a node without services and calls
 * the command's service there. Otherwise it runs that service in this process against the
 * configured database (DATABASE_URL, or the embedded PGlite under DATA_DIR, which only one
 * process can open: while the server runs embedded, use the REPL commands instead).
 */
import { loadConfig } from "../config/index.ts";
import { OPERATOR_COMMANDS, parseCommandLine } from "../services/operator.ts";
import { createPlatform } from "../services/platform.ts";

const parsed = parseCommandLine(process.argv.slice(2));
if (!parsed) {
  console.error("Usage: operator <command> [args]\n");
  for (const c of OPERATOR_COMMANDS) console.error(`  ${c.command.padEnd(36)} ${c.description}`);
  process.exit(2);
}

const config = loadConfig({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", METRICS_ENABLED: "false" });
const joinCluster = config.TRANSPORTER !== "none";
const { service } = parsed.command;
const platform = await createPlatform(config, { services: joinCluster || service === "ops" ? [] : [service] });
await platform.start();
if (joinCluster) await platform.broker.waitForServices(service, 15_000);
let code = 0;
try {
  console.log(JSON.stringify(await parsed.command.run(platform.broker, parsed.args), null, 2));
} catch (err) {
  console.error(`${(err as { type?: string }).type ?? "ERROR"}: ${(err as Error).message}`);
  code = 1;
} finally {
  await platform.stop();
}
process.exit(code);
