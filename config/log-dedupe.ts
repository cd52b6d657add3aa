/**
 * Collapses repeated identical warnings and errors (issue 19: a 30 s Redis outage wrote 263 ERROR
 * stack traces). The first line of a kind is written at once; identical lines in the next
 * `intervalMs` are counted instead, and when the interval ends one summary line says how many
 * there were. The next occurrence after that starts a new interval. Lines are identical when
 * their level, module and message are (an Error counts by its name and message, not its stack).
 * Time comes from setTimeout (unref'd), so tests drive it with fake timers.
 */
export interface RepeatFilterOptions<Level extends string = string> {
  intervalMs: number;
  /** Called at the end of an interval in which `count` identical lines were held back. */
  onRepeated(sample: { type: Level; args: unknown[] }, count: number, intervalMs: number): void;
  /** Levels that are collapsed; others always pass. */
  levels?: readonly string[];
}

interface Window<Level extends string> {
  held: number;
  sample: { type: Level; args: unknown[] };
}

/** Text that identifies a log line's content, without stacks or object identity. */
export function lineKey(type: string, mod: unknown, args: unknown[]): string {
  const parts = args.map((a) => {
    if (a instanceof Error)
      return `${a.name}: ${a.message}${(a as { code?: unknown }).code !== undefined ? ` (${String((a as { code?: unknown }).code)})` : ""}`;
    if (typeof a === "object" && a !== null) {
      try {
        return JSON.stringify(a);
      } catch {
        return String(a);
      }
    }
    return String(a);
  });
  return `${type}\u0000${String(mod ?? "")}\u0000${parts.join(" ")}`;
}

/** `Level`: the logger's level names (a line's `type`), handed back as they came in the summary's sample. */
export class RepeatFilter<Level extends string = string> {
  private readonly windows = new Map<string, Window<Level>>();
  private readonly levels: ReadonlySet<string>;

  constructor(private readonly options: RepeatFilterOptions<Level>) {
    this.levels = new Set(options.levels ?? ["warn", "error", "fatal"]);
  }

  /** True when the line is to be written now; false when it is counted for the summary. */
  admit(type: Level, key: string, args: unknown[]): boolean {
    if (this.options.intervalMs <= 0 || !this.levels.has(type)) return true;
    const open = this.windows.get(key);
    if (open) {
      open.held++;
      return false;
    }
    const window: Window<Level> = { held: 0, sample: { type, args } };
    this.windows.set(key, window);
    setTimeout(() => {
      this.windows.delete(key);
      if (window.held > 0) this.options.onRepeated(window.sample, window.held, this.options.intervalMs);
    }, this.options.intervalMs).unref?.();
    return true;
  }

  /** Intervals still open (for tests). */
  get openWindows(): number {
    return this.windows.size;
  }
}
