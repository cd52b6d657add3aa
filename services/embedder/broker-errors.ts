import { Errors } from "moleculer";
import { ClientError } from "../../core/errors.ts";
import { EmbedderError } from "./errors.ts";
import { OpenAIRequestError } from "./openai.ts";

/** Domain errors as the errors clients get (codes in core/errors.ts); anything else as it is. */
export function domainError(err: unknown): unknown {
  if (err instanceof OpenAIRequestError)
    return new ClientError("BAD_REQUEST", err.message, { param: err.param, code: err.code });
  if (!(err instanceof EmbedderError)) return err;
  switch (err.code) {
    case "MODEL_NOT_FOUND":
      return new ClientError("MODEL_NOT_FOUND", `The model '${String(err.data?.model ?? "")}' does not exist`);
    case "NETWORK_DISABLED":
      return new ClientError("NETWORK_DISABLED", err.message);
    case "DIMENSIONS_NOT_SUPPORTED":
    case "INVALID_DIMENSIONS":
      return new ClientError("BAD_REQUEST", err.message, { param: "dimensions", code: err.code.toLowerCase() });
    case "MODEL_DOWNLOAD_FAILED":
      return new Errors.MoleculerRetryableError(err.message, 503, err.code);
    default:
      return new Errors.MoleculerServerError(err.message, 500, err.code);
  }
}

/** The answer of a use case, its failure mapped by domainError. */
export async function withClientErrors<T>(answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (err) {
    throw domainError(err);
  }
}
