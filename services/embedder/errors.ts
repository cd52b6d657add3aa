/**
 * The embedder domain's error codes, in one place. The service layer maps an EmbedderError to
 * MoleculerClientError(message, status, code, data) using `status`.
 */
export const EmbedderErrorCodes = {
  /** No model with that id in the models folder, and not fetchable from the hub. */
  MODEL_NOT_FOUND: 404,
  /** The id names a hub model that is not local, and the operator disabled network access. */
  NETWORK_DISABLED: 403,
  /** The model folder exists but is unusable (missing files, unknown outputs). */
  MODEL_INVALID: 422,
  /** `dimensions` asked of a model whose vectors may not be truncated (not Matryoshka-trained). */
  DIMENSIONS_NOT_SUPPORTED: 422,
  /** `dimensions` outside 1..model dimension. */
  INVALID_DIMENSIONS: 422,
  /** Fetching a hub model failed for a reason other than "not found" (transient; retryable). */
  MODEL_DOWNLOAD_FAILED: 503,
} as const;

export type EmbedderErrorCode = keyof typeof EmbedderErrorCodes;

export class EmbedderError extends Error {
  readonly status: number;

  constructor(
    readonly code: EmbedderErrorCode,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "EmbedderError";
    this.status = EmbedderErrorCodes[code];
  }

  /** Only download failures are transient; the rest are caller or configuration faults. */
  get retryable(): boolean {
    return this.code === "MODEL_DOWNLOAD_FAILED";
  }
}
