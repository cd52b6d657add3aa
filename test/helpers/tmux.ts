import { execFileSync } from "node:child_process";

/** Drives an interactive terminal program (the operator REPL) the way a person would. */
export class TmuxSession {
  constructor(readonly name: string) {}

  static start(name: string, command: string, cwd: string, width = 200): TmuxSession {
    execFileSync("tmux", ["new-session", "-d", "-s", name, "-x", String(width), "-y", "50", "-c", cwd, command]);
    return new TmuxSession(name);
  }

  type(text: string): void {
    execFileSync("tmux", ["send-keys", "-t", this.name, "-l", text]);
    execFileSync("tmux", ["send-keys", "-t", this.name, "Enter"]);
  }

  screen(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-S", "-200", "-t", this.name]).toString();
  }

  async waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${text}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  kill(): void {
    try {
      execFileSync("tmux", ["kill-session", "-t", this.name]);
    } catch {
      /* already gone */
    }
  }
}

export function hasTmux(): boolean {
  try {
    execFileSync("tmux", ["-V"]);
    return true;
  } catch {
    return false;
  }
}
