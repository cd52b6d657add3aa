/** Small generated exports for the storage tests. */

const pad = (n: number) => String(n).padStart(2, "0");

/** WhatsApp (Android, dd/mm/yyyy) lines for messages `from` … `to`-1, one minute apart. */
export function whatsappLines(from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) {
    const d = new Date(Date.UTC(2021, 0, 1, 8, 0) + i * 60_000);
    const author = i % 3 === 0 ? "Anna Berg" : i % 3 === 1 ? "Tom" : "Lisa";
    out += `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${author}: message number ${i}\n`;
  }
  return out;
}

/** A Telegram single-chat export with `count` messages; `truncateAt` cuts the JSON there (a broken download). */
export function telegramExport(count: number, o: { chatId?: number; truncateAt?: number } = {}): string {
  const messages = Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    type: "message",
    date: new Date(Date.UTC(2022, 5, 1) + i * 1000).toISOString().slice(0, 19),
    date_unixtime: String(Math.floor((Date.UTC(2022, 5, 1) + i * 1000) / 1000)),
    from: i % 2 ? "Ben" : "Ann",
    from_id: i % 2 ? "user2" : "user1",
    text: `hello ${i}`,
  }));
  const json = JSON.stringify({ name: "group", type: "private_group", id: o.chatId ?? 4242, messages }, null, 1);
  return o.truncateAt === undefined ? json : json.slice(0, o.truncateAt);
}
