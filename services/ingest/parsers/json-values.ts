import { ParseError } from "../errors.ts";
import { warning, type ParserEvent } from "./context.ts";

/** Narrowing helpers for untrusted JSON records. */

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Ids arrive as numbers or strings depending on the exporter version. */
export function idOf(v: unknown): string | undefined {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  return undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/**
 * Rejects an export whose records are malformed too often: a few bad records in a real
 * export become warnings, but a file where many records break the schema is not the
 * format it claims to be, and importing part of it would mislead.
 */
export class MalformedGuard {
  private records = 0;
  private malformed = 0;
  constructor(private readonly file: string) {}

  ok(): void {
    this.records++;
  }

  bad(): void {
    this.records++;
    this.malformed++;
  }

  /** Counts one converted record; a problem becomes a MALFORMED_RECORD warning at its JSON path. */
  record(problem: string | undefined, where: string, out: ParserEvent[]): void {
    if (!problem) return this.ok();
    this.bad();
    out.push(warning("MALFORMED_RECORD", problem, { file: this.file, path: where }));
  }

  check(): void {
    if (this.malformed >= 2 && this.malformed * 20 > this.records) {
      throw new ParseError(
        "NOT_A_CHAT",
        `${this.file}: ${this.malformed} of ${this.records} records do not follow the export format`,
        { file: this.file },
      );
    }
  }
}
