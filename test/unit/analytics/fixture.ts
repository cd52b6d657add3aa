import type { FixtureMessage } from "../../helpers/chat-fixtures.ts";

/**
 * A small chat with known answers (times in UTC; Europe/Berlin is UTC+1 in January).
 *
 *  #  conversation  author  UTC               Berlin           notes
 *  0  general       Alice   Mon 01-01 08:00   Mon 09:00        starter, emoji, link example.com
 *  1  general       Bob     Mon 01-01 08:02   Mon 09:00        reply Alice→Bob 120 s, link news.example.org
 *  2  general       Alice   Mon 01-01 08:03   Mon 09:03        reply Bob→Alice 60 s, 2 emoji
 *  3  general       Bob     Mon 01-01 08:13   Mon 09:13        reply Alice→Bob 600 s
 *  4  general       Carol   Tue 01-02 10:00   Tue 11:00        starter (26 h gap)
 *  5  general       Alice   Tue 01-02 10:04   Tue 11:04        reply Carol→Alice 240 s, emoji with skin tone
 *  6  general       Carol   Wed 01-03 12:00   Wed 13:00        starter
 *  7  general       Bob     Wed 01-03 23:30   Thu 00:30        starter, media
 *  8  general       —       Wed 01-03 23:31   Thu 00:31        system
 *  9  general       Bob     Fri 01-05 12:00   Fri 13:00        starter, deleted
 * 10  side          Bob     Wed 01-10 12:00   Wed 13:00        starter
 * 11  side          Carol   Wed 01-10 12:30   Wed 13:30        reply Bob→Carol 1800 s, edited
 */
export const CHAT: FixtureMessage[] = [
  {
    conversation: "general",
    author: "Alice",
    at: "2024-01-01T08:00:00Z",
    text: "Good morning team 😀 check https://www.example.com/page.",
  },
  {
    conversation: "general",
    author: "Bob",
    at: "2024-01-01T08:02:00Z",
    text: "morning! see http://news.example.org/x",
  },
  {
    conversation: "general",
    author: "Alice",
    at: "2024-01-01T08:03:00Z",
    text: "sourdough bread recipe is great 😀😀",
  },
  { conversation: "general", author: "Bob", at: "2024-01-01T08:13:00Z", text: "sourdough bread recipe please" },
  { conversation: "general", author: "Carol", at: "2024-01-02T10:00:00Z", text: "hello there" },
  { conversation: "general", author: "Alice", at: "2024-01-02T10:04:00Z", text: "sourdough bread recipe again 👍🏽" },
  { conversation: "general", author: "Carol", at: "2024-01-03T12:00:00Z", text: "lunch?" },
  { conversation: "general", author: "Bob", at: "2024-01-03T23:30:00Z", kind: "media", text: "" },
  { conversation: "general", at: "2024-01-03T23:31:00Z", kind: "system", text: "Alice added Dave" },
  { conversation: "general", author: "Bob", at: "2024-01-05T12:00:00Z", kind: "deleted", text: "" },
  { conversation: "side", author: "Bob", at: "2024-01-10T12:00:00Z", text: "bonjour" },
  { conversation: "side", author: "Carol", at: "2024-01-10T12:30:00Z", text: "hi bob", edited: true },
];
