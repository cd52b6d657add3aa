/** The API's error body: `{ error: { code, message, requestId?, data? } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; requestId?: string; data?: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 0,
    readonly data?: unknown,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const e = body.error;
  return typeof e === "object" && e !== null && "code" in e && typeof e.code === "string";
}

/** Turns whatever came back (error body, network failure, exception) into an ApiError. */
export function toApiError(body: unknown, status = 0): ApiError {
  if (body instanceof ApiError) return body;
  if (isErrorBody(body))
    return new ApiError(body.error.code, body.error.message, status, body.error.data, body.error.requestId);
  if (body instanceof TypeError) return new ApiError("NETWORK", body.message, 0);
  if (body instanceof Error) return new ApiError("UNKNOWN", body.message, status);
  return new ApiError(
    status >= 500 ? "INTERNAL_ERROR" : "UNKNOWN",
    `The server answered ${status || "nothing"}`,
    status,
  );
}

/** What the user reads: plain language first, the server's own message where it says more. */
const PLAIN: Record<string, string> = {
  NETWORK: "The server could not be reached. Check your connection and try again.",
  UNAUTHORIZED: "Please log in to continue.",
  // A new account's right password answers this too until its address is confirmed (no enumeration).
  INVALID_CREDENTIALS:
    "That e-mail address and password do not match. A new account logs in first from the link in its confirmation mail.",
  TOKEN_EXPIRED: "Your session expired. Please log in again.",
  TOKEN_INVALID: "Your session is no longer valid. Please log in again.",
  TOKEN_REUSED: "For your safety this session was ended. Please log in again.",
  SESSION_REVOKED: "This session has ended. Please log in again.",
  MFA_INVALID: "That code is not valid (or was already used). Try the current code from your app.",
  FORBIDDEN: "Your role in this organisation does not allow this.",
  ACCOUNT_DISABLED: "This account is disabled. Contact your administrator.",
  MFA_ENROLMENT_REQUIRED: "This organisation requires two-factor authentication. Turn it on in your profile first.",
  NOT_FOUND: "We could not find that. It may have been deleted.",
  EMAIL_TAKEN: "An account with this e-mail address already exists. Try logging in.",
  LAST_OWNER: "An organisation must keep at least one owner.",
  INVITATION_INVALID: "This invitation is invalid, has expired, or is for another e-mail address.",
  OAUTH_FAILED: "Signing in with that provider did not work. Try again or use your password.",
  // From an OAuth provider; the invitation page handles an unconfirmed chatlens address itself.
  EMAIL_NOT_VERIFIED: "The provider did not confirm your e-mail address.",
  LINK_INVALID: "This link is invalid, has expired or was already used. Ask for a new one.",
  PAYLOAD_TOO_LARGE: "That file is too large to upload.",
  UNKNOWN_FORMAT: "We could not recognise this export's format. Choose the format by hand and try again.",
  NOT_A_CHAT: "This file does not look like a chat export.",
  EMPTY_FILE: "The file is empty.",
  RATE_LIMITED: "Too many attempts. Wait a few minutes and try again.",
  NOT_ENOUGH_DATA: "There is not enough embedded data for this yet.",
  SERVICE_UNAVAILABLE: "This part of chatlens is not running right now. Try again shortly.",
  INTERNAL_ERROR: "Something went wrong on our side. Try again; if it keeps happening, tell your administrator.",
};

/** Codes whose server message is more precise than our generic sentence. */
const SERVER_MESSAGE_FIRST = new Set([
  "VALIDATION_ERROR",
  "BAD_REQUEST",
  "CONFLICT",
  "INVALID_OPTIONS",
  "UNSUPPORTED_FORMAT",
  "INVALID_CSV",
  "INVALID_JSON",
  "CORRUPT_ARCHIVE",
  "MODEL_NOT_FOUND",
  "FORBIDDEN",
  "NOT_ENOUGH_DATA",
]);

export function describeError(err: unknown): string {
  const e = toApiError(err);
  if (SERVER_MESSAGE_FIRST.has(e.code) && e.message) return sentence(e.message);
  return PLAIN[e.code] ?? (e.message ? sentence(e.message) : "Something went wrong.");
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
