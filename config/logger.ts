import type { LoggerConfig } from "moleculer";
import { requestContext } from "../mixins/request-context.ts";
import type { Config } from "./index.ts";

/** One JSON object per line in production, carrying the request id of the call being served. */
function jsonFormatter(
  this: unknown,
  type: string,
  args: unknown[],
  bindings: Record<string, unknown>,
  { printArgs }: { printArgs: (a: unknown[]) => unknown[] },
): string[] {
  const requestId = requestContext.getStore()?.requestId;
  const line: Record<string, unknown> = {
    time: new Date().toISOString(),
    level: type,
    msg: printArgs(args).join(" "),
    nodeID: bindings.nodeID,
    mod: bindings.mod,
    svc: bindings.svc,
  };
  if (requestId) line.requestId = requestId;
  return [JSON.stringify(line)];
}

export function loggerOptions(config: Config): LoggerConfig {
  return {
    type: "Console",
    options: {
      level: config.LOG_LEVEL,
      colors: config.logFormat === "pretty",
      moduleColors: config.logFormat === "pretty",
      formatter: config.logFormat === "json" ? jsonFormatter : "short",
      autoPadding: false,
    },
  } as LoggerConfig;
}
