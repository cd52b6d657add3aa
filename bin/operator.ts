/**
 * Operator CLI: `node --import tsx bin/operator.ts user:create alice@example.com 'a long password'`.
 * With TRANSPORTER=nats://… it joins the running cluster as a node without services and calls
 * the command's service there. Otherwise it runs that service in this process against the
 * configured database (DATABASE_URL, or the embedded PGlite under DATA_DIR, which only one
 * process can open: while the server runs embedded, use the REPL commands instead).
 */
import { OPERATOR_COMMANDS, parseCommandLine } from "../platform/operator-commands.ts";
import { runOnce } from "./cli.ts";

const parsed = parseCommandLine(process.argv.slice(2));
if (!parsed) {
  console.error("Usage: operator <command> [args]\n");
  for (const c of OPERATOR_COMMANDS) console.error(`  ${c.command.padEnd(36)} ${c.description}`);
  process.exit(2);
}

const { service } = parsed.command;
await runOnce(
  (config) => {
    const joinCluster = config.TRANSPORTER !== "none";
    return { services: joinCluster || service === "ops" ? [] : [service], waitFor: joinCluster ? service : undefined };
  },
  async (broker) => ({ result: await parsed.command.run(broker, parsed.args), ok: true }),
);
