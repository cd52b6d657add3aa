import { Errors } from "moleculer";
import { ERROR_CODES } from "../../core/errors.ts";
import { isStatementCancelled } from "../../models/db.ts";

/**
 * A search whose database work PostgreSQL cancelled at SEARCH_TIMEOUT_S (the search pool's
 * statement_timeout) answers 504 like a search the broker timed out, with a code of its own
 * instead of the driver's error.
 */
export async function cancelledAsTimeout<T>(work: Promise<T>, timeoutS: number): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isStatementCancelled(err))
      throw new Errors.MoleculerError(
        `The search took longer than ${timeoutS} s and was stopped; narrow it down with filters or fewer datasets`,
        ERROR_CODES.SEARCH_TIMEOUT,
        "SEARCH_TIMEOUT",
      );
    throw err;
  }
}
