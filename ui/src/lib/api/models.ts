/**
 * Shapes of response bodies. The generated OpenAPI document (schema.d.ts) types every path,
 * parameter and request body, but the gateway does not describe response bodies yet (their
 * schema is `{}`), so the shapes the services return are written down here, one per concept,
 * from the services' code. When the document gains response schemas these become aliases of
 * `components["schemas"][…]`.
 */
export type Role = "viewer" | "analyst" | "admin" | "owner";
export const ROLES: Role[] = ["viewer", "analyst", "admin", "owner"];

export type Permission =
  | "datasets.read"
  | "datasets.write"
  | "datasets.delete"
  | "search.run"
  | "clusters.read"
  | "clusters.run"
  | "analytics.read"
  | "models.read"
  | "embeddings.create"
  | "members.read"
  | "members.manage"
  | "org.manage"
  | "audit.read"
  | "apikeys.manage"
  | "index.manage";

export interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  avatarUrl: string | null;
  locale: string | null;
  timeZone: string | null;
  mfaEnabled: boolean;
  hasPassword: boolean;
  createdAt: string;
}

export interface OrgMembership {
  id: string;
  name: string;
  role: Role;
  requireMfa: boolean;
}

export interface Me {
  user: User;
  orgs: OrgMembership[];
  current: { orgId: string | null; role: Role | null; permissions: Permission[]; sessionId: string };
}

export interface TokenResponse {
  accessToken: string;
  refreshToken: string | null;
  tokenType: "Bearer";
  expiresIn: number;
  sessionId: string;
  orgId: string | null;
}

export interface MfaChallenge {
  mfaRequired: true;
  challengeToken: string;
}

export type LoginResponse = TokenResponse | MfaChallenge;

export interface Session {
  id: string;
  device: string;
  ip: string;
  createdAt: string;
  lastSeenAt: string | null;
  expiresAt: string;
  current: boolean;
}

export interface Member {
  userId: string;
  email: string;
  displayName: string | null;
  avatarUrl: string | null;
  role: Role;
  mfaEnabled: boolean;
  disabled: boolean;
  joinedAt: string;
}

export interface Invitation {
  id: string;
  orgId: string;
  email: string;
  role: Role;
  expiresAt: string;
  acceptedAt: string | null;
  createdAt: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  permissions: Permission[];
  createdBy: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  id: number;
  orgId: string | null;
  actorId: string | null;
  action: string;
  target: string | null;
  outcome: "success" | "failure";
  data: Record<string, unknown> | null;
  ip: string | null;
  requestId: string | null;
  createdAt: string;
}

export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeDataUrl: string;
}

export interface Items<T> {
  items: T[];
}

export interface Dataset {
  id: string;
  name: string;
  description: string;
  modelId: string;
  pinnedVersion: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  conversationCount: number;
  participantCount: number;
  firstMessageAt: string | null;
  lastMessageAt: string | null;
}

export type ImportStatus = "queued" | "running" | "completed" | "failed";

export interface ImportJob {
  id: string;
  datasetId: string;
  format: string | null;
  filename: string;
  status: ImportStatus;
  bytesTotal: number;
  bytesRead: number;
  messagesRead: number;
  messagesAdded: number;
  summary: ImportSummary | null;
  error: { code: string; message: string; file?: string; line?: number; path?: string } | null;
  options: Record<string, unknown> | null;
  createdBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ImportSummary {
  format?: string;
  messagesRead?: number;
  messagesAdded?: number;
  conversations?: number;
  participants?: number;
  skipped?: number;
  warningCount?: number;
  warnings?: { code: string; message: string; file?: string; line?: number; path?: string }[];
  durationMs?: number;
}

export interface Conversation {
  id: string;
  name: string;
  platform: string;
  kind: string;
  messageCount: number;
  firstMessageAt: string | null;
  lastMessageAt: string | null;
}

export interface Participant {
  id: string;
  displayName: string;
  platformId: string | null;
  messageCount: number;
}

export interface Message {
  id: number;
  conversationId: string;
  participantId: string | null;
  author: string | null;
  ts: string;
  kind: string;
  text: string;
  edited?: boolean;
}

export interface MessagePage {
  items: Message[];
  nextCursor: string | null;
}

export interface MessageInContext {
  message: Message;
  before: Message[];
  after: Message[];
}

export interface EmbeddingProgress {
  chunks: number;
  embedded: number;
  pending: number;
  modelId: string;
}

export interface ModelNode {
  nodeID: string;
  gpu: boolean;
  loaded: boolean;
}

export interface Model {
  id: string;
  dimension: number;
  maxTokens: number;
  languages: string[];
  license: string;
  sizeBytes: number;
  runtime: string;
  quantization: string;
  matryoshka: boolean;
  source?: string;
  nodes: ModelNode[];
}

export type RunStatus = "queued" | "running" | "completed" | "failed";

export interface ClusterSummary {
  id: number;
  size: number;
  label: string;
  terms: { term: string; score: number }[];
  representatives: {
    chunkId: string;
    similarity: number;
    messages: { id: number; author: string | null; text: string; ts: string }[];
  }[];
  participants: { author: string; count: number }[];
  distinctParticipants: number;
}

export interface ClusterRun {
  id: string;
  datasetId: string;
  indexVersion: string;
  modelId: string;
  status: RunStatus;
  progress: number;
  stage: string | null;
  params: Record<string, unknown>;
  error: { code: string; message: string } | null;
  createdAt: string;
  finishedAt: string | null;
  k?: number | null;
  totalChunks?: number | null;
  result?: {
    k: number;
    totalChunks: number;
    clusters: ClusterSummary[];
    overTime?: {
      granularity: "week" | "month";
      periods: { start: string; total: number; counts: number[]; shares: number[] }[];
    };
  } | null;
}

export interface TopicMapData {
  method: string;
  totalPoints: number;
  sampled: boolean;
  ids: string[];
  x: number[];
  y: number[];
  cluster: number[];
  preview: string[];
}

export interface ActivityReport {
  summary?: {
    total: number;
    byKind: Record<string, number>;
    media: number;
    system: number;
    deleted: number;
    edited: number;
    participants: number;
    conversations: number;
    first: string | null;
    last: string | null;
  };
  messagesOverTime?: { period: string; messages: number }[];
  heatmap?: { weekday: number; hour: number; messages: number }[];
  participants?: {
    participantId: string;
    name: string;
    messages: number;
    avgLength: number;
    first: string;
    last: string;
  }[];
  lengths?: {
    textMessages: number;
    avg: number;
    median: number;
    p90: number;
    max: number;
    buckets: { min: number; max: number | null; messages: number }[];
  };
  responseTimes?: { fromName: string; toName: string; replies: number; medianSeconds: number }[];
  starters?: { participantId: string; name: string; conversationsStarted: number }[];
  streaks?: { start: string; end: string; days: number }[];
  text?: {
    emoji: { total: number; top: { value: string; count: number }[] };
    links: { total: number; domains: { value: string; count: number }[] };
    words: { value: string; count: number }[];
    bigrams: { value: string; count: number }[];
    trigrams: { value: string; count: number }[];
  };
}

export interface SearchReport {
  volume?: { period: string; mode: string; searches: number }[];
  topQueries?: { query: string; searches: number; avgResults: number; zeroResultSearches: number }[];
  zeroResults?: { query: string; searches: number; avgResults: number; zeroResultSearches: number }[];
  latency?: { mode: string; searches: number; zeroResultRate: number; p50: number; p95: number; p99: number }[];
}

export type SearchMode = "semantic" | "keyword" | "hybrid";

export interface SearchMessage {
  id: number;
  datasetId: string;
  conversationId: string;
  conversationName: string;
  platform: string;
  participantId: string | null;
  author: string | null;
  ts: string;
  kind: string;
  text: string;
}

export interface SearchHit {
  datasetId: string;
  version?: number;
  chunkId?: string;
  alsoIn?: { datasetId: string; version?: number }[];
  message: SearchMessage;
  context: { before: SearchMessage[]; after: SearchMessage[] };
  /** Character ranges of the matched words in message.text. */
  highlights: { start: number; end: number }[];
  scores: { semantic?: number; keyword?: number; fused: number };
}

export interface SearchResponse {
  mode: SearchMode;
  fusion?: string;
  page: number;
  pageSize: number;
  total: number;
  hasMore: boolean;
  tookMs: number;
  items: SearchHit[];
}

export interface IndexVersion {
  version: number;
  createdAt: string;
  message: string;
  pinned: boolean;
  manifest: { vectorCount: number; modelId: string; restoredFrom?: number };
}
