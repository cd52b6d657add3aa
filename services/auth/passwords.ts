import argon2 from "argon2";

export interface PasswordHashOptions {
  /** KiB of memory per hash: the cost that makes offline guessing expensive. */
  memoryCost: number;
  timeCost: number;
}

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string, options: PasswordHashOptions): Promise<string> {
  return argon2.hash(password, {
    type: argon2.argon2id,
    memoryCost: options.memoryCost,
    timeCost: options.timeCost,
    parallelism: 1,
  });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Spends the same work as a real verification, so an unknown e-mail address answers as slowly
 * as a wrong password and the response time does not reveal which accounts exist.
 */
export async function burnVerification(password: string, options: PasswordHashOptions): Promise<false> {
  dummy ??= hashPassword("not-a-real-password-0000", options);
  await verifyPassword(await dummy, password);
  return false;
}

/** Whether the password matches an account's hash; with no account or no hash, false after the same work. */
export async function passwordMatches(
  hash: string | null | undefined,
  password: string,
  options: PasswordHashOptions,
): Promise<boolean> {
  return hash ? verifyPassword(hash, password) : burnVerification(password, options);
}
