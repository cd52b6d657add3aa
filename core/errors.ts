import { Errors } from "moleculer";

/**
 * Every error code a client can receive, with its HTTP status: the one list the API
 * documentation and the UI read. Caller faults are 4xx and never retried.
 */
export const ERROR_CODES = {
  VALIDATION_ERROR: 422,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_INVALID: 401,
  TOKEN_REUSED: 401,
  SESSION_REVOKED: 401,
  MFA_REQUIRED: 401,
  MFA_INVALID: 401,
  FORBIDDEN: 403,
  ACCOUNT_DISABLED: 403,
  MFA_ENROLMENT_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  EMAIL_TAKEN: 409,
  LAST_OWNER: 409,
  INVITATION_INVALID: 404,
  OAUTH_FAILED: 400,
  EMAIL_NOT_VERIFIED: 403,
  LINK_INVALID: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNKNOWN_FORMAT: 422,
  NOT_A_CHAT: 422,
  INVALID_JSON: 422,
  CORRUPT_ARCHIVE: 422,
  EMPTY_FILE: 422,
  UNSUPPORTED_FORMAT: 422,
  INVALID_CSV: 422,
  INVALID_OPTIONS: 422,
  READ_FAILED: 422,
  ARCHIVE_TOO_LARGE: 413,
  STRING_TOO_LONG: 413,
  MESSAGE_TOO_LONG: 413,
  JSON_TOO_DEEP: 422,
  TOO_MANY_RECORDS: 413,
  IMPORT_TIME_EXCEEDED: 422,
  QUOTA_EXCEEDED: 429,
  MODEL_NOT_FOUND: 404,
  NETWORK_DISABLED: 403,
  NOT_ENOUGH_DATA: 409,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
  // A search the database stopped at SEARCH_TIMEOUT_S (services/index/search-timeout.ts): its message says what to narrow.
  SEARCH_TIMEOUT: 504,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A caller fault: `new ClientError("NOT_FOUND", "Dataset not found")`. */
export class ClientError extends Errors.MoleculerClientError {
  constructor(code: ErrorCode, message: string, data?: unknown) {
    super(message, ERROR_CODES[code], code, data);
  }
}

export const notFound = (what: string) => new ClientError("NOT_FOUND", `${what} not found`);
export const forbidden = (message = "You do not have permission to do this") => new ClientError("FORBIDDEN", message);
