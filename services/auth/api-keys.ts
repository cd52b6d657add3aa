import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { apiKeys } from "../../models/schema.ts";
import type { Permission } from "../../core/permissions.ts";
import { randomToken, sha256 } from "./crypto.ts";

/** `cl_<prefix>_<secret>`: the prefix identifies a key in lists and logs; only the hash is stored. */
const KEY_PATTERN = /^cl_([A-Za-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

const prefixAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

function newPrefix(): string {
  const bytes = randomToken(16);
  let out = "";
  for (const ch of bytes) if (prefixAlphabet.includes(ch) && out.length < 8) out += ch;
  return out.padEnd(8, "0");
}

export const publicKey = (k: typeof apiKeys.$inferSelect) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  permissions: k.permissions,
  createdBy: k.createdBy,
  createdAt: k.createdAt,
  lastUsedAt: k.lastUsedAt,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
});

export async function createApiKey(
  db: Db,
  k: { orgId: string; createdBy: string; name: string; permissions: Permission[]; expiresAt?: Date | null },
) {
  const prefix = newPrefix();
  const key = `cl_${prefix}_${randomToken(32)}`;
  const [row] = await db
    .insert(apiKeys)
    .values({
      orgId: k.orgId,
      createdBy: k.createdBy,
      name: k.name,
      prefix,
      keyHash: sha256(key),
      permissions: [...new Set(k.permissions)],
      expiresAt: k.expiresAt ?? null,
    })
    .returning();
  return { key, apiKey: publicKey(row!) };
}

export async function listApiKeys(db: Db, orgId: string) {
  const rows = await db.select().from(apiKeys).where(eq(apiKeys.orgId, orgId)).orderBy(desc(apiKeys.createdAt));
  return rows.map(publicKey);
}

export async function revokeApiKey(db: Db, orgId: string, id: string) {
  const [row] = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning();
  return row ? publicKey(row) : undefined;
}

/** The live key behind a presented secret, or undefined (unknown, malformed, revoked, expired). */
export async function resolveApiKey(db: Db, key: string, now = new Date()) {
  if (!KEY_PATTERN.test(key)) return undefined;
  const [row] = await db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sha256(key)))
    .limit(1);
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= now.getTime())) return undefined;
  return row;
}

export async function touchApiKey(db: Db, id: string, now = new Date()): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id));
}
