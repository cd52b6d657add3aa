import { ConfigError, loadConfig, type ServiceName } from "../config/index.ts";
import { initSentry } from "../config/sentry.ts";
import { databaseTarget, DatabaseUnreachableError } from "../models/db.ts";
import { startStandby, type Standby } from "../services/api/standby.ts";
import { createPlatform } from "../platform/platform.ts";

/**
 * `npm start`: this node's services (SERVICES, default all) in one broker.
 * `npm run repl`: the operator REPL; with a NATS transporter it joins the running cluster as
 * a node without services (unless SERVICES is set), otherwise it starts the embedded platform.
 */
async function main() {
  const repl = process.argv.includes("--repl");
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  let services: readonly ServiceName[] = config.SERVICES;
  if (repl && config.TRANSPORTER !== "none" && !process.env.SERVICES) services = [];
  // Reports server faults to Sentry when SENTRY_DSN is set; nothing is loaded otherwise.
  const platform = await createPlatform(config, { services, middlewares: await initSentry(config) });

  let stopping = false;
  let standby: Standby | undefined;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    platform.broker.logger.info(`${signal} received, stopping`);
    await standby?.close();
    await platform.stop().catch((err) => platform.broker.logger.error("stop failed", err));
    process.exit(0);
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  // A PostgreSQL server that is not up yet is waited for (DATABASE_STARTUP_WAIT_S) before any
  // service starts; a gateway answers health (alive) and readiness (503) meanwhile.
  const target = databaseTarget(config.DATABASE_URL);
  if (services.length && target) {
    platform.app.onDatabaseRetry = (info) => {
      platform.broker.logger.warn(
        `Database at ${info.host}:${info.port} (${info.variable}) unreachable, retrying in ${info.retryInMs} ms`,
        info,
      );
      standby?.update(info);
    };
    if (services.includes("api"))
      standby = await startStandby({
        host: config.HOST,
        port: config.PORT,
        nodeID: platform.broker.nodeID,
        target: `${target.host}:${target.port}`,
      });
    try {
      await platform.app.database();
    } catch (err) {
      if (stopping) return;
      if (err instanceof DatabaseUnreachableError) {
        // One structured line (what log collectors parse) naming the host and the variable to check.
        console.error(
          JSON.stringify({
            level: "fatal",
            time: new Date().toISOString(),
            nodeID: platform.broker.nodeID,
            ...err.toJSON(),
          }),
        );
        await standby?.close();
        process.exit(3);
      }
      throw err;
    } finally {
      await standby?.close();
      standby = undefined;
    }
    if (stopping) return;
  }

  await platform.start();
  if (services.includes("api"))
    platform.broker.logger.info(`chatlens is listening on http://${config.HOST}:${config.PORT}`);
  if (repl) {
    const { replCommands } = await import("../platform/operator-commands.ts");
    // broker.repl() reads its custom commands from the broker options.
    (platform.broker.options as { replCommands?: unknown }).replCommands = replCommands();
    platform.broker.repl();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
