import { describe, expect, it } from "vitest";
import { ApiError, describeError, toApiError } from "../../src/lib/api/errors";

describe("API errors in plain language", () => {
  it("turns an error body into an ApiError with code, status and request id", () => {
    const e = toApiError({ error: { code: "FORBIDDEN", message: "nope", requestId: "r1" } }, 403);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.code, e.status, e.requestId]).toEqual(["FORBIDDEN", 403, "r1"]);
  });

  it("says what to do instead of echoing codes", () => {
    expect(
      describeError({ error: { code: "INVALID_CREDENTIALS", message: "Invalid e-mail address or password" } }),
    ).toMatch(/do not match/);
    expect(describeError(new TypeError("Failed to fetch"))).toMatch(/could not be reached/);
    expect(describeError({ error: { code: "RATE_LIMITED", message: "x" } })).toMatch(/Wait a few minutes/);
  });

  it("keeps the server's precise message for validation errors, as a sentence", () => {
    expect(describeError({ error: { code: "VALIDATION_ERROR", message: "timeZone must be an IANA time zone" } })).toBe(
      "timeZone must be an IANA time zone.",
    );
  });

  it("falls back to a status description for bodies that are not ours", () => {
    expect(toApiError("<html>", 502).code).toBe("INTERNAL_ERROR");
  });
});
