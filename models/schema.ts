import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/**
 * The whole relational model. Every row of tenant data carries `org_id`; the tenant mixin
 * adds it to every query so that one organisation never reads another's rows.
 */

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v)),
});
const created = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const ROLES = ["viewer", "analyst", "admin", "owner"] as const;
export type Role = (typeof ROLES)[number];

// ── accounts ────────────────────────────────────────────────────────────────
export const orgs = pgTable("orgs", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  requireMfa: boolean("require_mfa").notNull().default(false),
  createdAt: created(),
});

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    email: text("email").notNull(),
    emailVerified: boolean("email_verified").notNull().default(false),
    passwordHash: text("password_hash"),
    displayName: text("display_name").notNull().default(""),
    avatarUrl: text("avatar_url"),
    locale: text("locale").notNull().default("en"),
    timeZone: text("time_zone").notNull().default("UTC"),
    disabled: boolean("disabled").notNull().default(false),
    isOperator: boolean("is_operator").notNull().default(false),
    mfaSecret: text("mfa_secret"),
    mfaEnabled: boolean("mfa_enabled").notNull().default(false),
    mfaLastStep: bigint("mfa_last_step", { mode: "number" }),
    createdAt: created(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("users_email_uq").on(sql`lower(${t.email})`)],
);

export const memberships = pgTable(
  "memberships",
  {
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ROLES }).notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index("memberships_user_idx").on(t.userId)],
);

export const invitations = pgTable(
  "invitations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    email: text("email").notNull(),
    role: text("role", { enum: ROLES }).notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    createdAt: created(),
  },
  (t) => [uniqueIndex("invitations_token_uq").on(t.tokenHash), index("invitations_org_idx").on(t.orgId)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    orgId: uuid("org_id").references(() => orgs.id, { onDelete: "set null" }),
    device: text("device").notNull().default(""),
    ip: text("ip").notNull().default(""),
    mfa: boolean("mfa").notNull().default(false),
    createdAt: created(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    revokeReason: text("revoke_reason"),
  },
  (t) => [index("sessions_user_idx").on(t.userId)],
);

export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => sessions.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    createdAt: created(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    replacedBy: uuid("replaced_by"),
  },
  (t) => [uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash), index("refresh_tokens_session_idx").on(t.sessionId)],
);

export const recoveryCodes = pgTable(
  "recovery_codes",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
  },
  (t) => [index("recovery_codes_user_idx").on(t.userId)],
);

export const oauthAccounts = pgTable(
  "oauth_accounts",
  {
    provider: text("provider").notNull(),
    providerAccountId: text("provider_account_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    email: text("email"),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.providerAccountId] }), index("oauth_accounts_user_idx").on(t.userId)],
);

export const apiKeys = pgTable(
  "api_keys",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    permissions: jsonb("permissions").$type<string[]>().notNull(),
    createdAt: created(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("api_keys_hash_uq").on(t.keyHash), index("api_keys_org_idx").on(t.orgId)],
);

/** One-time codes that end an OAuth log-in: the browser carries the code, never a token. */
export const authCodes = pgTable(
  "auth_codes",
  {
    codeHash: text("code_hash").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    provider: text("provider").notNull(),
    device: text("device").notNull().default(""),
    ip: text("ip").notNull().default(""),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: created(),
  },
  (t) => [index("auth_codes_expires_idx").on(t.expiresAt)],
);

export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    orgId: uuid("org_id"),
    actorId: uuid("actor_id"),
    action: text("action").notNull(),
    target: text("target"),
    outcome: text("outcome").notNull().default("success"),
    data: jsonb("data").$type<Record<string, unknown>>(),
    ip: text("ip"),
    requestId: text("request_id"),
    createdAt: created(),
  },
  (t) => [index("audit_log_org_time_idx").on(t.orgId, t.createdAt), index("audit_log_action_idx").on(t.action)],
);

// ── chat data ───────────────────────────────────────────────────────────────
export const datasets = pgTable(
  "datasets",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    modelId: text("model_id").notNull(),
    pinnedVersion: text("pinned_version"),
    /** Keyword search's language ("auto" detects it from the text); null follows KEYWORD_LANGUAGE. */
    keywordLanguage: text("keyword_language"),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: created(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("datasets_org_idx").on(t.orgId)],
);

export const IMPORT_STATUSES = ["queued", "running", "completed", "failed"] as const;

export const imports = pgTable(
  "imports",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    format: text("format"),
    filename: text("filename").notNull(),
    status: text("status", { enum: IMPORT_STATUSES }).notNull().default("queued"),
    bytesTotal: bigint("bytes_total", { mode: "number" }).notNull().default(0),
    bytesRead: bigint("bytes_read", { mode: "number" }).notNull().default(0),
    messagesRead: integer("messages_read").notNull().default(0),
    messagesAdded: integer("messages_added").notNull().default(0),
    summary: jsonb("summary").$type<Record<string, unknown>>(),
    error: jsonb("error").$type<{ code: string; message: string; file?: string; line?: number; path?: string }>(),
    options: jsonb("options").$type<Record<string, unknown>>(),
    createdBy: uuid("created_by"),
    /** Node running the job, and its last sign of life: a job whose node went silent is reaped. */
    nodeId: text("node_id"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    createdAt: created(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("imports_dataset_idx").on(t.datasetId), index("imports_status_idx").on(t.status)],
);

export const conversations = pgTable(
  "conversations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    sourceKey: text("source_key").notNull(),
    name: text("name").notNull(),
    platform: text("platform").notNull(),
    kind: text("kind").notNull().default("group"),
    /** The import that created the row: a failed import removes what it created and nothing else uses. */
    importId: uuid("import_id"),
    createdAt: created(),
  },
  (t) => [uniqueIndex("conversations_source_uq").on(t.datasetId, t.sourceKey)],
);

export const participants = pgTable(
  "participants",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    sourceKey: text("source_key").notNull(),
    platformId: text("platform_id"),
    displayName: text("display_name").notNull(),
    importId: uuid("import_id"),
  },
  (t) => [uniqueIndex("participants_source_uq").on(t.datasetId, t.sourceKey)],
);

export const messages = pgTable(
  "messages",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    orgId: uuid("org_id").notNull(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    participantId: uuid("participant_id").references(() => participants.id, { onDelete: "set null" }),
    importId: uuid("import_id").references(() => imports.id, { onDelete: "set null" }),
    sourceKey: text("source_key").notNull(),
    ts: timestamp("ts", { withTimezone: true }).notNull(),
    localTime: text("local_time"),
    timeZone: text("time_zone"),
    kind: text("kind").notNull(),
    text: text("text").notNull().default(""),
    replyTo: text("reply_to"),
    edited: boolean("edited").notNull().default(false),
    editedAt: timestamp("edited_at", { withTimezone: true }),
    forwardedFrom: text("forwarded_from"),
    reactions: jsonb("reactions").$type<{ emoji: string; count: number; users?: string[] }[]>(),
    attachments: jsonb("attachments").$type<Record<string, unknown>[]>(),
    sourceFile: text("source_file"),
    sourceLine: integer("source_line"),
    sourcePath: text("source_path"),
    search: tsvector("search").generatedAlwaysAs(sql`to_tsvector('english', coalesce("text", ''))`),
  },
  (t) => [
    uniqueIndex("messages_source_uq").on(t.datasetId, t.sourceKey),
    index("messages_conv_ts_idx").on(t.conversationId, t.ts),
    index("messages_dataset_ts_idx").on(t.datasetId, t.ts),
    index("messages_import_idx").on(t.importId),
    index("messages_search_idx").using("gin", t.search),
  ],
);

/**
 * One row per statement that inserted, deleted or updated messages of a dataset (written by
 * statement triggers, see the migration): the newest id is a dataset's content stamp, which keyword
 * search compares to decide whether its in-memory BM25 index is stale. Append-only, so writers
 * never wait on one another for it (a counter row would serialise concurrent imports).
 */
export const messageChanges = pgTable(
  "message_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    datasetId: uuid("dataset_id").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("message_changes_dataset_idx").on(t.datasetId, t.id)],
);

// ── embeddings and indexes ──────────────────────────────────────────────────
export const chunks = pgTable(
  "chunks",
  {
    id: text("id").primaryKey(),
    orgId: uuid("org_id").notNull(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => conversations.id, { onDelete: "cascade" }),
    chunkingVersion: text("chunking_version").notNull(),
    messageIds: jsonb("message_ids").$type<number[]>().notNull(),
    text: text("text").notNull(),
    startTs: timestamp("start_ts", { withTimezone: true }).notNull(),
    endTs: timestamp("end_ts", { withTimezone: true }).notNull(),
    createdAt: created(),
  },
  (t) => [
    index("chunks_dataset_idx").on(t.datasetId),
    index("chunks_conversation_start_idx").on(t.conversationId, t.startTs),
  ],
);

/**
 * The embedder's record of the imports whose added messages it has chunked (the embedder's own
 * table: `imports` is ingest's). A completed import that added messages and has no row here is
 * still being chunked: its dataset's index must not commit a version yet, though every chunk
 * written so far may already have its vector. An import that added nothing has nothing to chunk.
 */
export const chunkedImports = pgTable(
  "chunked_imports",
  {
    importId: uuid("import_id")
      .primaryKey()
      .references(() => imports.id, { onDelete: "cascade" }),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    chunkedAt: timestamp("chunked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("chunked_imports_dataset_idx").on(t.datasetId)],
);

export const embeddings = pgTable(
  "embeddings",
  {
    chunkId: text("chunk_id")
      .notNull()
      .references(() => chunks.id, { onDelete: "cascade" }),
    modelId: text("model_id").notNull(),
    datasetId: uuid("dataset_id").notNull(),
    orgId: uuid("org_id").notNull(),
    dimension: integer("dimension").notNull(),
    vector: bytea("vector").notNull(),
    createdAt: created(),
  },
  (t) => [primaryKey({ columns: [t.chunkId, t.modelId] }), index("embeddings_dataset_idx").on(t.datasetId, t.modelId)],
);

export const searchLog = pgTable(
  "search_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    orgId: uuid("org_id").notNull(),
    userId: uuid("user_id"),
    datasetIds: jsonb("dataset_ids").$type<string[]>().notNull(),
    mode: text("mode").notNull(),
    query: text("query").notNull(),
    filters: jsonb("filters").$type<Record<string, unknown>>(),
    latencyMs: real("latency_ms").notNull(),
    resultCount: integer("result_count").notNull(),
    createdAt: created(),
  },
  (t) => [index("search_log_org_time_idx").on(t.orgId, t.createdAt)],
);

export const clusterRuns = pgTable(
  "cluster_runs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    orgId: uuid("org_id").notNull(),
    datasetId: uuid("dataset_id")
      .notNull()
      .references(() => datasets.id, { onDelete: "cascade" }),
    indexVersion: text("index_version"),
    modelId: text("model_id").notNull(),
    status: text("status", { enum: IMPORT_STATUSES }).notNull().default("queued"),
    progress: real("progress").notNull().default(0),
    stage: text("stage"),
    params: jsonb("params").$type<Record<string, unknown>>().notNull(),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: jsonb("error").$type<{ code: string; message: string }>(),
    createdBy: uuid("created_by"),
    createdAt: created(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("cluster_runs_dataset_idx").on(t.datasetId)],
);
