import { and, eq, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";
import type { Db } from "../../models/db.ts";
import { recoveryCodes, users } from "../../models/schema.ts";
import { decrypt, encrypt, randomToken, sha256 } from "./crypto.ts";

const PERIOD = 30;
const DIGITS = 6;
/** One step either side tolerates clock drift between phone and server. */
const WINDOW = 1;
export const RECOVERY_CODE_COUNT = 10;

const totpFor = (secret: string, label = "", issuer = "chatlens") =>
  new TOTP({ issuer, label, algorithm: "SHA1", digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });

export async function startEnrolment(
  db: Db,
  user: { id: string; email: string },
  encryptionKey: string,
  issuer = "chatlens",
) {
  const secret = new Secret({ size: 20 }).base32;
  const totp = totpFor(secret, user.email, issuer);
  const uri = totp.toString();
  // Stored but inactive until confirmed with a code: an abandoned enrolment changes nothing.
  await db
    .update(users)
    .set({ mfaSecret: encrypt(secret, encryptionKey), mfaLastStep: null, updatedAt: new Date() })
    .where(and(eq(users.id, user.id), eq(users.mfaEnabled, false)));
  return { secret, otpauthUri: uri, qrCodeDataUrl: await QRCode.toDataURL(uri) };
}

/** The time step a code belongs to, when it is valid now; undefined otherwise. */
export function codeStep(secret: string, code: string, now = Date.now()): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totpFor(secret).validate({ token: code, window: WINDOW, timestamp: now });
  if (delta === null) return undefined;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

export function generateCode(secret: string, now = Date.now()): string {
  return totpFor(secret).generate({ timestamp: now });
}

/**
 * Checks a code and records its time step in the same statement, so that a code (or any
 * earlier one) works once even when two requests race.
 */
export async function consumeTotp(
  db: Db,
  user: { id: string; mfaSecret: string | null },
  code: string,
  encryptionKey: string,
  now = Date.now(),
): Promise<boolean> {
  if (!user.mfaSecret) return false;
  const step = codeStep(decrypt(user.mfaSecret, encryptionKey), code, now);
  if (step === undefined) return false;
  const rows = await db
    .update(users)
    .set({ mfaLastStep: step })
    .where(and(eq(users.id, user.id), or(isNull(users.mfaLastStep), lt(users.mfaLastStep, step))))
    .returning({ id: users.id });
  return rows.length > 0;
}

export async function activate(db: Db, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => formatRecovery(randomToken(10)));
  await db.transaction(async (tx) => {
    await tx.update(users).set({ mfaEnabled: true, updatedAt: new Date() }).where(eq(users.id, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: sha256(normaliseRecovery(c)) })));
  });
  return codes;
}

export async function disable(db: Db, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ mfaEnabled: false, mfaSecret: null, mfaLastStep: null, updatedAt: new Date() })
      .where(eq(users.id, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  });
}

const formatRecovery = (raw: string) => {
  const clean = raw
    .replace(/[^A-Za-z0-9]/g, "x")
    .toLowerCase()
    .slice(0, 10)
    .padEnd(10, "x");
  return `${clean.slice(0, 5)}-${clean.slice(5)}`;
};
const normaliseRecovery = (code: string) =>
  code
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "");

export const looksLikeRecoveryCode = (code: string) => /^[a-z0-9]{5}-?[a-z0-9]{5}$/i.test(code.trim());

/** Spends one recovery code; each works once. */
export async function consumeRecoveryCode(db: Db, userId: string, code: string): Promise<boolean> {
  const rows = await db
    .update(recoveryCodes)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(recoveryCodes.userId, userId),
        eq(recoveryCodes.codeHash, sha256(normaliseRecovery(code))),
        isNull(recoveryCodes.usedAt),
      ),
    )
    .returning({ id: recoveryCodes.id });
  return rows.length > 0;
}

export async function remainingRecoveryCodes(db: Db, userId: string): Promise<number> {
  const rows = await db
    .select({ id: recoveryCodes.id })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return rows.length;
}
