// Messages of realistic shape for the search benchmarks at any size (10k … 1M): conversations of
// about 1,000 messages, each a generated group chat (test/helpers/big-chat.ts: dozens to hundreds
// of authors with names from several locales, English/Spanish/German/French/Portuguese topics,
// emoji incl. ZWJ sequences and flags, mentions, links, fillers, export placeholders, bursts and
// silences), where half of the messages carry a real Ubuntu IRC turn instead
// (../shared/fixtures/corpora), so the vocabulary has a real technical long tail and the labelled
// Ubuntu queries have something to find. Seeded: every run and machine gets the same data.
import { authorNames, bigChat } from "../test/helpers/big-chat.ts";
import { ubuntuConversations } from "../test/fixtures/search-quality/corpora.ts";

export const PER_CONVERSATION = 1000;
export const AUTHORS = 300;

export interface CorpusPage {
  /** Conversation number of each message (0-based, messages of a conversation are contiguous). */
  conversation: number[];
  /** Author number (0 … AUTHORS-1). */
  author: number[];
  /** Epoch milliseconds. */
  ts: number[];
  text: string[];
}

let turns: string[] | undefined;

/** The corpus in pages of whole conversations (about `pageSize` messages each), `size` messages in all. */
export function* searchCorpus(size: number, pageSize = 20_000): Generator<CorpusPage> {
  turns ??= ubuntuConversations().flatMap((c) => c.messages.map((m) => m.text));
  const names = authorNames(AUTHORS);
  const number = new Map(names.map((n, i) => [n, i]));
  let page: CorpusPage = { conversation: [], author: [], ts: [], text: [] };
  let turn = 0;
  for (let c = 0, done = 0; done < size; c++) {
    const n = Math.min(PER_CONVERSATION, size - done);
    const chat = bigChat({
      messages: n,
      authors: 5 + ((c * 37) % (AUTHORS - 5)),
      seed: c + 1,
      days: 365,
      end: "2020-12-31T00:00:00Z",
      dim: 2,
    });
    chat.messages.forEach((m, i) => {
      page.conversation.push(c);
      page.author.push(number.get(m.author ?? "") ?? 0);
      page.ts.push(Date.parse(m.at));
      page.text.push(i % 2 === 1 ? turns![turn++ % turns!.length]! : (m.text ?? ""));
    });
    done += n;
    if (page.text.length >= pageSize || done >= size) {
      yield page;
      page = { conversation: [], author: [], ts: [], text: [] };
    }
  }
}
