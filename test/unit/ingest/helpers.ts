import { fileURLToPath } from "node:url";
import path from "node:path";
import { expect } from "chai";
import { ParseError } from "../../../services/ingest/errors.ts";
import { parseExportToArrays } from "../../../services/ingest/parse-export.ts";
import type { ParseInput } from "../../../services/ingest/types.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** CI clones the repository with shared/ beside it. */
export const sharedFixtures = path.resolve(repoRoot, "../shared/fixtures/chat-exports");
export const ownFixtures = path.resolve(repoRoot, "test/fixtures/ingest");

export const parse = (input: ParseInput) => parseExportToArrays(input);

/** Asserts that parsing rejects with a ParseError (optionally of a given code) and returns it. */
export async function expectParseError(input: ParseInput, code?: string): Promise<ParseError> {
  try {
    await parseExportToArrays(input);
  } catch (err) {
    expect(err, String(err)).to.be.instanceOf(ParseError);
    if (code) expect((err as ParseError).code).to.equal(code);
    return err as ParseError;
  }
  expect.fail(`expected ${input.path} to be rejected`);
}

/** Display name of a participant key, for readable assertions. */
export function namer(result: Awaited<ReturnType<typeof parse>>): (key: string | undefined) => string | undefined {
  // Later participant events with the same key rename (upsert) earlier ones.
  const names = new Map(result.participants.map((p) => [p.key, p.displayName]));
  return (key) => (key === undefined ? undefined : names.get(key));
}
