import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The reading side of the local mail sink that createMailer (mail.ts) writes when SMTP_URL is
 * unset: one nodemailer JSON message per file, published under its final name by a rename. Tests,
 * benchmarks and the CI check read it the way a user reads their mail, e.g. to open a new
 * account's confirmation link.
 */

/** Where a platform with this configuration writes its mail when SMTP_URL is unset. */
export function outboxDirOf(config: { MAIL_OUTBOX_DIR?: string; dataDir: string }): string {
  return config.MAIL_OUTBOX_DIR ?? path.join(config.dataDir, "outbox");
}

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  file: string;
}

/** Every message in the outbox folder, oldest first (files still being written start with a dot). */
export function readOutbox(dir: string): OutboxMail[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("."))
    .sort()
    .map((f) => {
      const m = JSON.parse(readFileSync(path.join(dir, f), "utf8"));
      const to = Array.isArray(m.to)
        ? m.to.map((t: { address: string }) => t.address).join(", ")
        : String(m.to?.address ?? m.to);
      return { to, subject: String(m.subject), text: String(m.text), file: f };
    });
}

/** The first link in a message's text. */
export function linkIn(text: string): URL | undefined {
  const link = /https?:\/\/\S+/.exec(text)?.[0];
  return link ? new URL(link) : undefined;
}

/**
 * The token of the newest confirmation mail to `email`, waiting for it up to `timeoutMs` (the
 * sign-up answer comes after the mail is written, but in a cluster another node may write it).
 */
export async function confirmationToken(dir: string, email: string, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = readOutbox(dir)
      .filter((m) => m.to.toLowerCase() === email.toLowerCase() && /confirm/i.test(m.subject))
      .pop();
    const token = mail && linkIn(mail.text)?.searchParams.get("token");
    if (token) return token;
    if (Date.now() > deadline) throw new Error(`no confirmation mail to ${email} in ${dir}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
