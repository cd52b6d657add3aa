import yauzl from "yauzl";
import type { Readable } from "node:stream";
import { ParseError } from "../errors.ts";
import { RATIO_MIN_BYTES, withDefaults, type ParseLimits } from "./limits.ts";

/** Far above any real export; stops a crafted central directory from exhausting memory. */
const MAX_ENTRIES = 200_000;

export interface ZipMember {
  name: string;
  size: number;
  open(): Promise<Readable>;
}

export interface OpenedZip {
  members: ZipMember[];
  close(): void;
}

/**
 * Reads a zip's central directory and gives each file member a lazy stream opener, so
 * formats can read members in the order they need (Slack wants users.json first) without
 * extracting anything to disk.
 */
export async function openZip(path: string, label: string, limits?: Partial<ParseLimits>): Promise<OpenedZip> {
  const { maxDecompressedBytes, maxCompressionRatio } = withDefaults(limits);
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, {
      lazyEntries: true,
      autoClose: false,
      strictFileNames: false,
      validateEntrySizes: true,
    });
  } catch (err) {
    throw new ParseError(
      "CORRUPT_ARCHIVE",
      `Cannot read zip archive: ${(err as Error).message}`,
      { file: label },
      { cause: err },
    );
  }
  const entries: yauzl.Entry[] = [];
  let uncompressed = 0;
  let compressed = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on("entry", (entry: yauzl.Entry) => {
        if (entries.length >= MAX_ENTRIES) {
          reject(new ParseError("CORRUPT_ARCHIVE", `Archive has more than ${MAX_ENTRIES} entries`, { file: label }));
          return;
        }
        // The declared sizes bound what reading can produce: validateEntrySizes fails a member that inflates past its own.
        uncompressed += entry.uncompressedSize;
        compressed += entry.compressedSize;
        const bomb =
          uncompressed > maxDecompressedBytes
            ? `its members add up to more than ${maxDecompressedBytes} bytes uncompressed`
            : entry.uncompressedSize > RATIO_MIN_BYTES &&
                entry.uncompressedSize > maxCompressionRatio * Math.max(1, entry.compressedSize)
              ? `${entry.fileName} inflates more than ${maxCompressionRatio} times`
              : uncompressed > RATIO_MIN_BYTES && uncompressed > maxCompressionRatio * Math.max(1, compressed)
                ? `it inflates more than ${maxCompressionRatio} times`
                : undefined;
        if (bomb) {
          reject(new ParseError("ARCHIVE_TOO_LARGE", `The archive is refused: ${bomb}`, { file: label }));
          return;
        }
        entries.push(entry);
        zip.readEntry();
      });
      zip.on("end", () => resolve());
      zip.on("error", reject);
      zip.readEntry();
    });
  } catch (err) {
    zip.close();
    if (err instanceof ParseError) throw err;
    throw new ParseError(
      "CORRUPT_ARCHIVE",
      `Corrupt zip archive: ${(err as Error).message}`,
      { file: label },
      { cause: err },
    );
  }
  const members = entries
    // Directories and macOS resource forks carry no chat data.
    .filter((e) => !e.fileName.endsWith("/") && !e.fileName.startsWith("__MACOSX/"))
    .map<ZipMember>((entry) => ({
      name: entry.fileName,
      size: entry.uncompressedSize,
      open: async () => {
        try {
          return await new Promise<Readable>((resolve, reject) =>
            zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream))),
          );
        } catch (err) {
          throw new ParseError(
            "CORRUPT_ARCHIVE",
            `Cannot read ${entry.fileName}: ${(err as Error).message}`,
            { file: `${label}!${entry.fileName}` },
            { cause: err },
          );
        }
      },
    }));
  return { members, close: () => zip.close() };
}
