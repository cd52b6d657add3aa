import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import nodemailer, { type Transporter } from "nodemailer";

/** One message the platform sends (verification and password-reset links): plain text only. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly kind: "smtp" | "outbox";
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/**
 * SMTP when SMTP_URL is set; otherwise a local mail sink: nodemailer's JSON transport builds the
 * message and it is written, one JSON file per message, to the outbox folder (development,
 * tests, and browser tests read the links from there: mail-outbox.ts). Files are written under a temporary
 * name and renamed, so a reader never sees half a message.
 */
export function createMailer(o: {
  smtpUrl?: string;
  from: string;
  outboxDir: string;
  /** Told of each message written to the outbox (development prints its link to the log). */
  onOutboxMail?: (message: MailMessage, file: string) => void;
}): Mailer {
  if (o.smtpUrl) {
    const transport: Transporter = nodemailer.createTransport(o.smtpUrl);
    return {
      kind: "smtp",
      async send(m) {
        await transport.sendMail({ from: o.from, to: m.to, subject: m.subject, text: m.text });
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ jsonTransport: true });
  return {
    kind: "outbox",
    async send(m) {
      const info = await transport.sendMail({ from: o.from, to: m.to, subject: m.subject, text: m.text });
      mkdirSync(o.outboxDir, { recursive: true });
      const name = `${Date.now()}-${randomBytes(4).toString("hex")}.json`;
      const tmp = path.join(o.outboxDir, `.${name}.tmp`);
      writeFileSync(tmp, String(info.message));
      renameSync(tmp, path.join(o.outboxDir, name));
      o.onOutboxMail?.(m, path.join(o.outboxDir, name));
    },
    close: () => transport.close(),
  };
}

/** A link into the web app, with its query: mail needs absolute URLs. */
export function appLink(base: string, pagePath: string, query: Record<string, string | undefined>): string {
  const url = new URL(pagePath, base.endsWith("/") ? base : `${base}/`);
  for (const [k, v] of Object.entries(query)) if (v) url.searchParams.set(k, v);
  return url.toString();
}

/** Where the app may send the user after a link: a path on this site, never another origin. */
export const isLocalPath = (p: string) => /^\/(?![/\\])[^\s]*$/.test(p) && p.length <= 512;

export function verificationMail(to: string, link: string): MailMessage {
  return {
    to,
    subject: "Confirm your e-mail address for chatlens",
    text: [
      "Someone (hopefully you) created a chatlens account with this address or asked to confirm it.",
      "",
      `Confirm it and log in here, with the password chosen for the account: ${link}`,
      "",
      "If it was not you, ignore this message: an unconfirmed account cannot log in, and it gives this",
      "address up to whoever proves they own it (a Google or GitHub sign-in, or the forgot-password link).",
    ].join("\n"),
  };
}

/** To the owner of an address someone tried to sign up with (sign-up answers alike either way, L5). */
export function signupAttemptMail(to: string, loginLink: string, resetLink: string): MailMessage {
  return {
    to,
    subject: "Someone tried to create a chatlens account with your address",
    text: [
      "Someone (perhaps you) tried to create a chatlens account with this address, which already has one.",
      "No second account was made and nothing about your account changed.",
      "",
      `If it was you, log in: ${loginLink}`,
      `Forgot your password? Choose a new one: ${resetLink}`,
      "",
      "If it was not you, ignore this message.",
    ].join("\n"),
  };
}

export function passwordResetMail(to: string, link: string, ttlS: number): MailMessage {
  return {
    to,
    subject: "Reset your chatlens password",
    text: [
      "Someone (hopefully you) asked to reset the chatlens password of this address.",
      "",
      `Choose a new password here (valid for ${Math.round(ttlS / 60)} minutes, once): ${link}`,
      "",
      "If it was not you, ignore this message; your password stays as it is.",
    ].join("\n"),
  };
}
