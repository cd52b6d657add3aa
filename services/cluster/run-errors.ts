/**
 * What a failed topic run tells its user, and what it tells the log. A database error
 * from storing a result quotes the whole failed statement with its parameters (about
 * 1 MB of private messages on a real chat), so neither the response nor the log ever
 * carries an error's message verbatim: the user sees a short sentence for the stage
 * that failed, the log gets the error's class, the driver's code, a bounded first line
 * of the underlying cause (never the query) and the stack frames.
 */

export interface RunFailure {
  code: "RUN_FAILED" | "INTERRUPTED";
  /** Short, plain, safe to show. */
  message: string;
  /** For the server log: no message text, no SQL. */
  detail: string;
}

const STAGE_MESSAGES: Record<string, string> = {
  load: "The topic run could not read this dataset's messages. Try again; if it keeps failing, ask an administrator to check the server log.",
  compute:
    "The topic run failed while grouping messages into topics. Try again with fewer topics; if it keeps failing, ask an administrator to check the server log.",
  store:
    "The topic run finished but its result could not be saved. Try again; if it keeps failing, ask an administrator to check the server log.",
};

const MAX_CAUSE = 160;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  stack?: unknown;
  cause?: unknown;
}

/** First line of an error message without anything that looks like a statement or its parameters. */
function safeLine(message: unknown): string {
  const first = String(message ?? "").split("\n", 1)[0]!;
  if (/failed query|params:|\b(select|insert|update|delete)\b/iu.test(first)) return "(database statement omitted)";
  return first.length > MAX_CAUSE ? `${first.slice(0, MAX_CAUSE)}…` : first;
}

export function describeRunFailure(err: unknown, stage: keyof typeof STAGE_MESSAGES, aborted: boolean): RunFailure {
  if (aborted)
    return {
      code: "INTERRUPTED",
      message: "Interrupted: the server stopped during the run. Start it again.",
      detail: "aborted",
    };
  const e = (typeof err === "object" && err !== null ? err : { message: err }) as ErrorLike;
  const cause = (typeof e.cause === "object" && e.cause !== null ? e.cause : undefined) as ErrorLike | undefined;
  const frames =
    typeof e.stack === "string"
      ? e.stack
          .split("\n")
          .filter((l) => /^\s+at /u.test(l))
          .slice(0, 8)
          .join("\n")
      : "";
  const parts = [
    `stage=${stage}`,
    `error=${String(e.name ?? "Error")}`,
    e.code !== undefined ? `code=${String(e.code)}` : "",
    cause
      ? `cause=${String(cause.name ?? "Error")}${cause.code !== undefined ? `(${String(cause.code)})` : ""}: ${safeLine(cause.message)}`
      : `first line: ${safeLine(e.message)}`,
  ].filter(Boolean);
  return {
    code: "RUN_FAILED",
    message: STAGE_MESSAGES[stage]!,
    detail: `${parts.join(" ")}${frames ? `\n${frames}` : ""}`,
  };
}
