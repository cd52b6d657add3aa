import { api, call } from "./client";
import type { Conversation, Message } from "./models";

/** How many messages one read of a conversation brings. */
export const PAGE = 100;
/** How many neighbours each side of a message its read brings. */
const CONTEXT = 40;

/** What the conversation viewer shows: a window of one conversation's messages. */
export interface ConversationView {
  conversationId: string;
  messages: Message[];
  hasEarlier: boolean;
  hasLater: boolean;
  /** Message ids to highlight (a search hit's, a topic chunk's). */
  marked: number[];
  /** The date input's day ("" when none). */
  day: string;
  /** The message to scroll into view (else the window opens at its top). */
  focus: number | null;
}

/** Where the viewer opens, as the page's URL says: a chunk, a message, or a conversation from a day. */
export interface ViewTarget {
  conversation: string | null;
  message: string | null;
  chunk: string | null;
  at: string | null;
}

const messagesOf = (datasetId: string, conversationId: string, query: MessagesQuery) =>
  call(
    api.GET("/api/datasets/{datasetId}/conversations/{conversationId}/messages", {
      params: { path: { datasetId, conversationId }, query },
    }),
  );
type MessagesQuery = { limit: number; order: "asc" | "desc"; from?: string; cursor?: string };

const cursorOf = (m: Message) => `${new Date(m.ts).toISOString()}_${m.id}`;

/** A page of the conversation from a date (start of that day) or from its beginning. */
export async function openAt(datasetId: string, conversationId: string, from?: string): Promise<ConversationView> {
  const res = await messagesOf(datasetId, conversationId, {
    limit: PAGE,
    order: "asc",
    ...(from ? { from: new Date(`${from}T00:00:00`).toISOString() } : {}),
  });
  const view = {
    conversationId,
    messages: res.items,
    hasEarlier: Boolean(from),
    hasLater: res.nextCursor !== null,
    marked: [],
    day: from ?? "",
    focus: null,
  };
  if (!from || res.items.length) return view;
  // Nothing on or after that day: show the conversation's last page instead.
  const back = await messagesOf(datasetId, conversationId, { limit: PAGE, order: "desc" });
  return { ...view, messages: back.items.reverse(), hasEarlier: back.nextCursor !== null, hasLater: false };
}

/** One message with its neighbours; `mark` are the message ids to highlight (a chunk's). */
export async function openMessage(
  datasetId: string,
  messageId: number,
  mark: number[] = [messageId],
): Promise<ConversationView> {
  const res = await call(
    api.GET("/api/datasets/{datasetId}/messages/{messageId}", {
      params: { path: { datasetId, messageId }, query: { context: CONTEXT } },
    }),
  );
  return {
    conversationId: res.message.conversationId,
    messages: [...res.before, res.message, ...res.after],
    hasEarlier: res.before.length === CONTEXT,
    hasLater: res.after.length >= CONTEXT,
    marked: mark,
    day: new Date(res.message.ts).toISOString().slice(0, 10),
    focus: messageId,
  };
}

/** The messages of a chunk (a dot of the topic map), marked, with their neighbours. */
export async function openChunk(datasetId: string, chunkId: string): Promise<ConversationView | null> {
  const where = await call(
    api.GET("/api/datasets/{datasetId}/chunks/{chunkId}/location", { params: { path: { datasetId, chunkId } } }),
  );
  return where.messageIds[0] === undefined ? null : openMessage(datasetId, where.messageIds[0], where.messageIds);
}

/**
 * The dataset's conversations and the view the URL asks for: a chunk, a message, or a
 * conversation (else the biggest) from a day (else its beginning).
 */
export async function openView(
  datasetId: string,
  target: ViewTarget,
): Promise<{ conversations: Conversation[]; view: ConversationView | null }> {
  const { items: conversations } = await call(
    api.GET("/api/datasets/{datasetId}/conversations", { params: { path: { datasetId } } }),
  );
  const message = Number(target.message);
  if (target.chunk) return { conversations, view: await openChunk(datasetId, target.chunk) };
  if (Number.isInteger(message) && message > 0) return { conversations, view: await openMessage(datasetId, message) };
  const wanted =
    conversations.find((c) => c.id === target.conversation) ??
    [...conversations].sort((a, b) => b.messageCount - a.messageCount)[0];
  return { conversations, view: wanted ? await openAt(datasetId, wanted.id, target.at ?? undefined) : null };
}

/** The next page before the window's first message or after its last. */
export async function more(
  datasetId: string,
  view: ConversationView,
  direction: "earlier" | "later",
): Promise<ConversationView> {
  const edge = direction === "earlier" ? view.messages[0]! : view.messages[view.messages.length - 1]!;
  const res = await messagesOf(datasetId, view.conversationId, {
    limit: PAGE,
    order: direction === "earlier" ? "desc" : "asc",
    cursor: cursorOf(edge),
  });
  return direction === "earlier"
    ? {
        ...view,
        messages: [...res.items.reverse(), ...view.messages],
        hasEarlier: res.nextCursor !== null,
        focus: null,
      }
    : { ...view, messages: [...view.messages, ...res.items], hasLater: res.nextCursor !== null, focus: null };
}
