import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { Readable } from "node:stream";
import { ParseError, type ParseErrorCode } from "../errors.ts";
import type { ParseLimits } from "./limits.ts";
import { openZip } from "./zip.ts";

/** One readable file of an export: the upload itself, a zip member, or a file of an extracted folder. */
export interface ExportEntry {
  /** Path inside the container with `/` separators; the upload's name for a plain file. */
  name: string;
  /** Name used in warnings and source references (`upload.zip!folder/file.json`). */
  label: string;
  size: number;
  open(): Promise<Readable>;
  /** Code for errors raised while streaming this entry (a broken zip member is a corrupt archive). */
  readErrorCode: ParseErrorCode;
  /** Bounds the readers apply while streaming it (the defaults when absent). */
  limits?: Partial<ParseLimits>;
}

export interface ExportContainer {
  kind: "file" | "zip" | "directory";
  label: string;
  entries: ExportEntry[];
  close(): void;
  /** Bounds of this parse, for parsers that accumulate beyond one read (a multi-line message). */
  limits?: Partial<ParseLimits>;
}

const MAX_DIRECTORY_FILES = 200_000;

/** Opens an upload as a list of entries: zips and folders are looked into, anything else is one entry. */
export async function openContainer(
  path: string,
  filename?: string,
  limits?: Partial<ParseLimits>,
): Promise<ExportContainer> {
  const opened = await openEntries(path, filename, limits);
  if (limits) {
    opened.limits = limits;
    for (const entry of opened.entries) entry.limits = limits;
  }
  return opened;
}

async function openEntries(
  path: string,
  filename: string | undefined,
  limits: Partial<ParseLimits> | undefined,
): Promise<ExportContainer> {
  const label = filename ?? basename(path);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw new ParseError(
      "READ_FAILED",
      `Cannot read ${label}: ${(err as Error).message}`,
      { file: label },
      { cause: err },
    );
  }
  if (info.isDirectory()) return openDirectory(path, label);
  if (info.size === 0) throw new ParseError("EMPTY_FILE", `${label} is empty`, { file: label });
  if (await startsWithZipSignature(path)) {
    const zip = await openZip(path, label, limits);
    return {
      kind: "zip",
      label,
      entries: zip.members.map((m) => ({
        name: m.name,
        label: `${label}!${m.name}`,
        size: m.size,
        open: m.open,
        readErrorCode: "CORRUPT_ARCHIVE",
      })),
      close: zip.close,
    };
  }
  return {
    kind: "file",
    label,
    entries: [
      { name: label, label, size: info.size, open: async () => createReadStream(path), readErrorCode: "READ_FAILED" },
    ],
    close: () => {},
  };
}

async function startsWithZipSignature(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    // Local file header, or the end-of-central-directory record of an empty archive.
    return (
      bytesRead === 4 &&
      head[0] === 0x50 &&
      head[1] === 0x4b &&
      ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))
    );
  } finally {
    await handle.close();
  }
}

async function openDirectory(root: string, label: string): Promise<ExportContainer> {
  const entries: ExportEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const dirent of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, dirent.name);
      if (dirent.isDirectory()) await walk(full);
      else if (dirent.isFile()) {
        if (entries.length >= MAX_DIRECTORY_FILES)
          throw new ParseError("NOT_A_CHAT", `${label} holds too many files`, { file: label });
        const name = relative(root, full).split(sep).join("/");
        const size = (await stat(full)).size;
        entries.push({
          name,
          label: `${label}/${name}`,
          size,
          open: async () => createReadStream(full),
          readErrorCode: "READ_FAILED",
        });
      }
    }
  };
  try {
    await walk(root);
  } catch (err) {
    if (err instanceof ParseError) throw err;
    throw new ParseError(
      "READ_FAILED",
      `Cannot read folder ${label}: ${(err as Error).message}`,
      { file: label },
      { cause: err },
    );
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (entries.length === 0) throw new ParseError("EMPTY_FILE", `${label} holds no files`, { file: label });
  return { kind: "directory", label, entries, close: () => {} };
}
