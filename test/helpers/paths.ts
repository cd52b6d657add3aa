import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** CI clones the repository with shared/ beside it, as on a developer's machine. */
export const SHARED_DIR = path.resolve(REPO_ROOT, "../shared");
export const FIXTURES_DIR = path.join(SHARED_DIR, "fixtures/chat-exports");
