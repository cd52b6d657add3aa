import { Loggers, type LoggerBindings, type LogLevels } from "moleculer";
import { lineKey, RepeatFilter } from "./log-dedupe.ts";
import type { Config } from "./index.ts";

/** Identical warnings and errors within this window are written once, then counted (config/log-dedupe.ts). */
export const LOG_REPEAT_INTERVAL_MS = 30_000;

/** The request being served when a line is written (middlewares/request-context.ts keeps it). */
export interface LogOrigin {
  requestId?: string;
  userId?: string;
  orgId?: string;
}

/** One JSON object per line in production, carrying the request id of the call being served. */
const jsonFormatter = (currentOrigin: () => LogOrigin | undefined) =>
  function (
    this: unknown,
    type: string,
    args: unknown[],
    bindings: Record<string, unknown>,
    { printArgs }: { printArgs: (a: unknown[]) => unknown[] },
  ): string[] {
    const origin = currentOrigin();
    const requestId = origin?.requestId;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: type,
      msg: printArgs(args).join(" "),
      nodeID: bindings.nodeID,
      mod: bindings.mod,
      svc: bindings.svc,
    };
    if (requestId) line.requestId = requestId;
    if (origin?.userId) line.userId = origin.userId;
    if (origin?.orgId) line.orgId = origin.orgId;
    return [JSON.stringify(line)];
  };

/**
 * Moleculer's console logger with repeated warnings and errors collapsed: during an outage every
 * retry fails the same way, and one line per interval with a count says as much as hundreds.
 */
export class DedupedConsoleLogger extends Loggers.Console {
  constructor(
    opts: object,
    private readonly repeatIntervalMs = LOG_REPEAT_INTERVAL_MS,
  ) {
    super(opts);
  }

  override getLogHandler(bindings: LoggerBindings): Loggers.LogHandler | null {
    const print = super.getLogHandler(bindings);
    if (!print) return print;
    const filter = new RepeatFilter<LogLevels>({
      intervalMs: this.repeatIntervalMs,
      onRepeated: (sample, count, ms) =>
        print(sample.type, [
          `(${count} more identical in the last ${Math.round(ms / 1000)} s)`,
          ...sample.args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : a)),
        ]),
    });
    return (type, args) => {
      if (filter.admit(type, lineKey(type, bindings.mod, args), args)) print(type, args);
    };
  }
}

/** `currentOrigin` names the request being served (the request-context middleware's store). */
export function loggerOptions(
  config: Config,
  currentOrigin: () => LogOrigin | undefined = () => undefined,
): Loggers.Base {
  return new DedupedConsoleLogger({
    level: config.LOG_LEVEL,
    colors: config.logFormat === "pretty",
    moduleColors: config.logFormat === "pretty",
    formatter: config.logFormat === "json" ? jsonFormatter(currentOrigin) : "short",
    autoPadding: false,
  });
}
