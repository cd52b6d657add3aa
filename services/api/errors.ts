import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { Errors } from "moleculer";
import { ERROR_CODES } from "../../core/errors.ts";

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

/**
 * busboy's and the multipart reader's own errors carry no status: they are a malformed request
 * body, the caller's fault (issue 15 L6), not a 500.
 */
const MALFORMED_BODY =
  /^(Unexpected end of (form|multipart data)|Malformed (part header|urlencoded form)|Multipart: Boundary not found|Missing Content-Type|Unsupported content type)/i;

export interface ErrorBody {
  error: { code: string; message: string; requestId?: string; data?: unknown };
}

/**
 * Turns any error into the one JSON error shape and its HTTP status. A server fault's message and
 * data never reach the body, in any mode: they held SQL text and driver details (issue 15 L6); the
 * request id leads to the logged error instead. `_exposeInternals` is kept for the callers' sake.
 */
export function toErrorResponse(err: AnyError, requestId: string | undefined, _exposeInternals: boolean) {
  let status = Number.isInteger(err.code) && err.code! >= 400 && err.code! < 600 ? err.code! : 500;
  // Body parsers throw errors with the status in other fields.
  const parserStatus = (err as { status?: number }).status;
  if (status === 500 && parserStatus && parserStatus >= 400 && parserStatus < 500) status = parserStatus;
  if (status === 500 && !err.type && typeof err.message === "string" && MALFORMED_BODY.test(err.message)) {
    return withRequestId(
      { error: { code: "BAD_REQUEST", message: "The request body is not well-formed multipart data" } },
      400,
      requestId,
    );
  }

  const rawType = err.type && /^[A-Z0-9_]+$/.test(err.type) ? err.type : undefined;
  let code = (rawType && GATEWAY_CODES[rawType]) ?? rawType;
  if (!code) code = status === 413 ? "PAYLOAD_TOO_LARGE" : status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
  // A service that no node runs right now is an outage, not a missing resource.
  if (
    err.type === "SERVICE_NOT_FOUND" ||
    err.type === "SERVICE_NOT_AVAILABLE" ||
    err instanceof Errors.ServiceNotFoundError
  )
    status = 503;
  if (status === 503) code = "SERVICE_UNAVAILABLE";

  const serverFault = status >= 500;
  // A 5xx raised on purpose with one of our codes (SERVICE_UNAVAILABLE "retry later") was written for clients.
  const deliberate = err instanceof Errors.MoleculerError && typeof err.type === "string" && err.type in ERROR_CODES;
  const message =
    serverFault && !deliberate
      ? status === 503
        ? "Service unavailable"
        : "Internal server error"
      : (err.message ?? "Error");
  const body: ErrorBody = { error: { code, message } };
  if (err.data !== undefined && !serverFault) body.error.data = err.data;
  return withRequestId(body, status, requestId);
}

function withRequestId(body: ErrorBody, status: number, requestId: string | undefined) {
  if (requestId) body.error.requestId = requestId;
  return { status, body };
}

type ErrorReq = IncomingMessage & { $ctx?: { requestID?: string | null } };

/** Writes an error answer in whatever JSON shape the route speaks (ours, or OpenAI's on /v1). */
export function writeJsonError(req: ErrorReq, res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return void res.end();
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  // An answer before the whole body arrived (413 to an upload past its limit, a refused export):
  // Node would otherwise read and discard the rest of the body to keep the connection, gigabytes
  // of it (issue 15 L2). With "close" Node ends the connection once the answer is written.
  if (!req.complete) {
    res.setHeader("Connection", "close");
    lingerOnClose(req.socket);
  }
  if (req.$ctx?.requestID && !res.hasHeader("X-Request-ID")) res.setHeader("X-Request-ID", req.$ctx.requestID);
  if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="chatlens"');
  res.end(JSON.stringify(body));
}

/** How long, and how many bytes, a closing connection still reads so the client can read the answer. */
const LINGER_MS = 2000;
const LINGER_BYTES = 4 * 1024 * 1024;

/**
 * Node closes a "Connection: close" socket with destroySoon(), which destroys it as soon as the
 * answer is flushed: with the client's body still arriving the kernel then sends a reset, and the
 * client may lose the answer it has not read yet. A lingering close instead sends FIN after the
 * answer and discards what still arrives for a short while (as web servers do), then destroys.
 */
function lingerOnClose(socket: Socket | null): void {
  if (!socket) return;
  socket.destroySoon = function lingeringClose(this: Socket) {
    this.end();
    let discarded = 0;
    const timer = setTimeout(() => this.destroy(), LINGER_MS);
    timer.unref();
    this.on("close", () => clearTimeout(timer));
    this.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_BYTES) this.destroy();
    });
    this.resume();
  };
}

export function sendJsonError(req: ErrorReq, res: ServerResponse, err: AnyError, exposeInternals: boolean) {
  const { status, body } = toErrorResponse(err, req.$ctx?.requestID ?? undefined, exposeInternals);
  writeJsonError(req, res, status, body);
}
