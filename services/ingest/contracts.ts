import { z } from "zod";
import { contract, streamContract } from "../../core/define-action.ts";
import { arrayOf, constant, itemsOf, obj, ref, str, uuid as uuidSchema } from "../../core/json-schema.ts";
import { KEYWORD_LANGUAGE_CHOICES } from "../../lib/text/keyword-languages.ts";
import { importOptionsShape } from "./import-options.ts";

/**
 * Every ingest action's contract, declared once: params (validated by the broker, typed in the
 * handler, documented in OpenAPI), who may call it, its answer and limits. Handlers are in
 * ingest.service.ts, the logic in datasets.ts, dataset-changes.ts, import-runner.ts and
 * queries.ts, the HTTP paths in routes.ts.
 */

const DB_TIMEOUT = 15_000;
const readable = { visibility: "published" as const, permissions: ["datasets.read" as const], timeout: DB_TIMEOUT };
const writable = { visibility: "published" as const, permissions: ["datasets.write" as const], timeout: DB_TIMEOUT };

/** A dataset's keyword-search language: one of the analysers, "auto" to detect it, or null for the platform's default. */
const keywordLanguage = z.enum(KEYWORD_LANGUAGE_CHOICES).nullable().optional();
const datasetOnly = z.object({ datasetId: z.uuid() }).strict();

export const listFormats = contract({
  visibility: "published",
  permissions: ["datasets.read"],
  openapi: { summary: "Export formats the importer reads", response: obj({ formats: arrayOf(str) }) },
  params: z.object({}).strict(),
});

// ── datasets ──────────────────────────────────────────────────────────────
export const listDatasets = contract({
  ...readable,
  openapi: { summary: "Datasets of the organisation", response: itemsOf(ref("Dataset")) },
  params: z.object({}).strict(),
});

export const createDataset = contract({
  ...writable,
  openapi: { summary: "Create a dataset", response: ref("Dataset"), successStatus: 201 },
  params: z
    .object({
      name: z.string().trim().min(1).max(200),
      description: z.string().trim().max(2000).optional(),
      keywordLanguage,
    })
    .strict(),
});

export const getDataset = contract({
  ...readable,
  openapi: { summary: "A dataset with its counts", response: ref("Dataset") },
  params: datasetOnly,
});

export const updateDataset = contract({
  ...writable,
  openapi: { summary: "Rename or describe a dataset, or set its keyword-search language", response: ref("Dataset") },
  params: z
    .object({
      datasetId: z.uuid(),
      name: z.string().trim().min(1).max(200).optional(),
      description: z.string().trim().max(2000).optional(),
      keywordLanguage,
    })
    .strict(),
});

export const deleteDataset = contract({
  ...readable,
  permissions: ["datasets.delete"],
  openapi: {
    summary: "Delete a dataset and everything in it",
    response: obj({ id: uuidSchema, deleted: constant(true) }),
  },
  params: datasetOnly,
});

/**
 * Records which index version searches of the dataset use (null: the live index). Called by the
 * index service once the version is pinned in its store: the datasets row is ingest's to write.
 * Internal: not routed.
 */
export const setPinnedVersion = contract({
  visibility: "public",
  timeout: DB_TIMEOUT,
  params: z
    .object({
      datasetId: z.uuid(),
      version: z.number().int().min(1).nullable(),
    })
    .strict(),
});

// ── imports ───────────────────────────────────────────────────────────────
/**
 * The body arrives as a stream (a multipart file or the raw request body), so the action's
 * params are the stream itself; its route and query-string parameters (`filename` names a raw
 * body) are checked from `meta.$params` before a byte of the body is read.
 */
export const upload = streamContract({
  visibility: "published",
  permissions: ["datasets.write"],
  timeout: 0,
  openapi: { summary: "Upload a chat export; the import is queued", response: ref("Import"), successStatus: 202 },
  query: z
    .object({
      datasetId: z.uuid(),
      filename: z.string().min(1).max(255).optional(),
      ...importOptionsShape,
    })
    .strict(),
});

/**
 * Operators: import an export (file, zip or extracted folder) from a path on this node's disk,
 * from the REPL or bin/import.ts. Not reachable over HTTP. `wait` returns when the job has
 * ended, with its final row.
 */
export const importPath = contract({
  visibility: "public",
  timeout: 0,
  params: z
    .object({
      datasetId: z.uuid(),
      path: z.string().min(1).max(4096),
      wait: z.boolean().optional(),
      ...importOptionsShape,
    })
    .strict(),
});

export const listImports = contract({
  ...readable,
  openapi: { summary: "Imports of a dataset, newest first", response: itemsOf(ref("Import")) },
  params: z.object({ datasetId: z.uuid(), limit: z.coerce.number().int().min(1).max(200).optional() }).strict(),
});

export const getImport = contract({
  ...readable,
  openapi: { summary: "Status and summary of an import", response: ref("Import") },
  params: z.object({ importId: z.uuid() }).strict(),
});

// ── reading what was imported ─────────────────────────────────────────────
export const listConversations = contract({
  ...readable,
  openapi: { summary: "Conversations of a dataset", response: itemsOf(ref("Conversation")) },
  params: datasetOnly,
});

export const listParticipants = contract({
  ...readable,
  openapi: { summary: "Participants of a dataset", response: itemsOf(ref("Participant")) },
  params: datasetOnly,
});

export const MESSAGE_KINDS = [
  "text",
  "media",
  "system",
  "deleted",
  "call",
  "poll",
  "sticker",
  "location",
  "contact",
] as const;

export const listMessages = contract({
  ...readable,
  openapi: { summary: "Messages of a conversation, one page", response: ref("MessagePage") },
  params: z
    .object({
      datasetId: z.uuid(),
      conversationId: z.uuid(),
      cursor: z.string().min(1).max(64).optional(),
      order: z.enum(["asc", "desc"]).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
      from: z.coerce.date().optional(),
      to: z.coerce.date().optional(),
      participantId: z.uuid().optional(),
      kind: z.enum(MESSAGE_KINDS).optional(),
      q: z.string().min(1).max(500).optional(),
    })
    .strict(),
});

export const getMessage = contract({
  ...readable,
  openapi: { summary: "A message with its neighbours", response: ref("MessageInContext") },
  params: z
    .object({
      datasetId: z.uuid(),
      messageId: z.coerce.number().int().positive(),
      context: z.coerce.number().int().min(0).max(50).optional(),
    })
    .strict(),
});
