import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/**
 * Secret values that are written down in this repository (the development overlay in deploy/,
 * compose files, examples): anyone can read them, so a production server must never accept
 * them (L8). The files are read at start-up from the installed tree (the image ships deploy/),
 * so a value committed later is caught without a code change.
 */
const SCANNED = ["deploy", "docker-compose.yml", "docker-compose.prod.yml", ".env.example", "README.md", "docs"];
const ASSIGNMENT = /\b(JWT_SECRET|MFA_ENCRYPTION_KEY|OAUTH_SESSION_SECRET)\b\s*[=:]\s*["']?([^\s"'$`{}]{8,})/g;
/** Placeholders people copy from examples. */
const PLACEHOLDER = /dev-only|change-?me|example|placeholder|not-a-secret|insecure/i;

function filesUnder(p: string, out: string[], depth = 0) {
  if (!existsSync(p) || depth > 8 || out.length > 2000) return;
  const st = statSync(p);
  if (st.isFile()) {
    if (st.size < 1_000_000) out.push(p);
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of readdirSync(p))
    if (name !== "node_modules" && !name.startsWith(".git")) filesUnder(path.join(p, name), out, depth + 1);
}

export function committedSecretValues(root: string): Set<string> {
  const files: string[] = [];
  for (const rel of SCANNED) filesUnder(path.join(root, rel), files);
  const values = new Set<string>();
  for (const file of files) for (const m of readFileSync(file, "utf8").matchAll(ASSIGNMENT)) values.add(m[2]!);
  return values;
}

/** Names of the given secrets whose value is committed in the repository or is a placeholder. */
export function publicSecrets(secrets: Record<string, string | undefined>, root: string): string[] {
  const known = committedSecretValues(root);
  return Object.entries(secrets)
    .filter(([, v]) => v !== undefined && (known.has(v) || PLACEHOLDER.test(v)))
    .map(([k]) => k);
}
