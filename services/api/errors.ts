import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors } from "moleculer";

interface AnyError {
  code?: number;
  type?: string;
  name?: string;
  message?: string;
  data?: unknown;
}

/** moleculer-web's own error types, renamed to the codes our API documents. */
const GATEWAY_CODES: Record<string, string> = {
  NO_TOKEN: "UNAUTHORIZED",
  INVALID_TOKEN: "TOKEN_INVALID",
  UNAUTHORIZED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  SERVICE_NOT_FOUND: "NOT_FOUND",
  INVALID_REQUEST_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  PAYLOAD_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  RATE_LIMIT_EXCEEDED: "RATE_LIMITED",
  VALIDATION_ERROR: "VALIDATION_ERROR",
  REQUEST_TIMEOUT: "SERVICE_UNAVAILABLE",
  SERVICE_NOT_AVAILABLE: "SERVICE_UNAVAILABLE",
};

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; data?: unknown };
}

/** Turns any error into the one JSON error shape and its HTTP status. */
export function toErrorResponse(err: AnyError, requestId: string | undefined, exposeInternals: boolean) {
  let status = Number.isInteger(err.code) && err.code! >= 400 && err.code! < 600 ? err.code! : 500;
  // Body parsers throw errors with the status in other fields.
  const parserStatus = (err as { status?: number }).status;
  if (status === 500 && parserStatus && parserStatus >= 400 && parserStatus < 500) status = parserStatus;

  const rawType = err.type && /^[A-Z0-9_]+$/.test(err.type) ? err.type : undefined;
  let code = (rawType && GATEWAY_CODES[rawType]) ?? rawType;
  if (!code) code = status === 413 ? "PAYLOAD_TOO_LARGE" : status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  // A service that no node runs right now is an outage, not a missing resource.
  if (err.type === "SERVICE_NOT_FOUND" || err.type === "SERVICE_NOT_AVAILABLE" || err instanceof Errors.ServiceNotFoundError)
    status = 503;
  if (status === 503) code = "SERVICE_UNAVAILABLE";

  const serverFault = status >= 500;
  const message = serverFault && !exposeInternals ? "Internal server error" : (err.message ?? "Error");
  const body: ErrorBody = { error: { code, message } };
  if (requestId) body.error.requestId = requestId;
  if (err.data !== undefined && (!serverFault || exposeInternals)) body.error.data = err.data;
  return { status, body };
}

type ErrorReq = IncomingMessage & { $ctx?: { requestID?: string | null } };

/** Writes an error answer in whatever JSON shape the route speaks (ours, or OpenAI's on /v1). */
export function writeJsonError(req: ErrorReq, res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return void res.end();
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  if (req.$ctx?.requestID && !res.hasHeader("X-Request-ID")) res.setHeader("X-Request-ID", req.$ctx.requestID);
  if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="chatlens"');
  res.end(JSON.stringify(body));
}

export function sendJsonError(req: ErrorReq, res: ServerResponse, err: AnyError, exposeInternals: boolean) {
  const { status, body } = toErrorResponse(err, req.$ctx?.requestID ?? undefined, exposeInternals);
  writeJsonError(req, res, status, body);
}
