import { ParseError } from "./errors.ts";

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, "0"));

/**
 * Wall-clock ↔ UTC conversion for IANA zones with Intl only (no dependency): the zone's
 * offset is looked up once per hour of wall-clock time and cached, so a million messages
 * cost a few thousand Intl calls.
 */
export class ZoneClock {
  readonly zone: string;
  private readonly isUtc: boolean;
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly offsetByHour = new Map<number, number>();
  private lastLocalMs = Number.NaN;
  private lastLocalText = "";
  private lastDay = Number.NaN;
  private lastDayText = "";

  constructor(zone = "UTC") {
    this.zone = zone;
    this.isUtc = zone === "UTC" || zone === "Etc/UTC";
    if (!this.isUtc) {
      try {
        this.format = new Intl.DateTimeFormat("en-US", {
          timeZone: zone,
          hourCycle: "h23",
          year: "numeric",
          month: "numeric",
          day: "numeric",
          hour: "numeric",
          minute: "numeric",
          second: "numeric",
        });
      } catch {
        throw new ParseError("INVALID_OPTIONS", `Unknown time zone "${zone}"`);
      }
    }
  }

  /** UTC epoch ms of a wall-clock time given as `Date.UTC(...)` of its fields. */
  wallToUtc(localMs: number): number {
    if (this.isUtc) return localMs;
    const first = localMs - this.offsetAt(localMs);
    const second = this.offsetAt(first);
    // In a DST gap the wall time does not exist; keep the first guess (shifted forward), like most clocks do.
    return localMs - second === first ? first : localMs - second;
  }

  /** `YYYY-MM-DDTHH:mm:ss` wall-clock text of a UTC instant in this zone. */
  localText(utcMs: number): string {
    return this.wallText(this.isUtc ? utcMs : utcMs + this.offsetAt(utcMs));
  }

  /** `YYYY-MM-DDTHH:mm:ss` of a wall-clock time given as `Date.UTC(...)` of its fields. */
  wallText(localMs: number): string {
    // Hot path of text imports: the date part is formatted once per day, the time from a table.
    if (localMs !== this.lastLocalMs) {
      this.lastLocalMs = localMs;
      const day = Math.floor(localMs / 86_400_000);
      if (day !== this.lastDay) {
        this.lastDay = day;
        this.lastDayText = new Date(day * 86_400_000).toISOString().slice(0, 11);
      }
      const secondOfDay = Math.floor((localMs - day * 86_400_000) / 1000);
      this.lastLocalText = `${this.lastDayText}${TWO_DIGITS[Math.floor(secondOfDay / 3600)]}:${TWO_DIGITS[Math.floor(secondOfDay / 60) % 60]}:${TWO_DIGITS[secondOfDay % 60]}`;
    }
    return this.lastLocalText;
  }

  /** Offset (ms) of the zone at a UTC instant, cached per hour. */
  private offsetAt(utcMs: number): number {
    const hour = Math.floor(utcMs / 3_600_000);
    const cached = this.offsetByHour.get(hour);
    if (cached !== undefined) return cached;
    const fields: Record<string, number> = {};
    for (const part of (this.format as Intl.DateTimeFormat).formatToParts(hour * 3_600_000)) {
      if (part.type !== "literal") fields[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(fields.year!, fields.month! - 1, fields.day!, fields.hour!, fields.minute!, fields.second!);
    const offset = asUtc - hour * 3_600_000;
    if (this.offsetByHour.size > 100_000) this.offsetByHour.clear();
    this.offsetByHour.set(hour, offset);
    return offset;
  }
}

/** Epoch ms from a Slack/Telegram-style seconds value ("1452845865.000008" or 1544006350). */
export function secondsToMs(value: unknown): number | undefined {
  const n =
    typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
  return Number.isFinite(n) && Math.abs(n) < 1e11 ? Math.round(n * 1000) : undefined;
}

const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;

/**
 * Parses a timestamp that is either absolute (ISO with an offset or `Z`, epoch seconds/ms)
 * or a local ISO wall-clock time (interpreted in the clock's zone). Returns UTC ms.
 */
export function parseTimestamp(value: unknown, clock: ZoneClock): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return Math.abs(value) < 1e11 ? Math.round(value * 1000) : Math.round(value);
  }
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (/^-?\d+(\.\d+)?$/.test(text)) return parseTimestamp(Number(text), clock);
  const local = ISO_LOCAL.exec(text);
  if (local) {
    const [, y, mo, d, h, mi, s, frac] = local;
    const ms = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, s ? +s : 0, frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
    return Number.isFinite(ms) ? clock.wallToUtc(ms) : undefined;
  }
  if (!/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/i.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
