import yazl from "yazl";

/**
 * Exports an attacker would upload (issue 15, C1–C3), at sizes a test can build in
 * milliseconds; the tests scale the platform's limits down to match.
 */

/** A zip of the given members, deflated as a phone's exporter would. */
export function zipOf(members: { name: string; content: string | Buffer }[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const m of members) zip.addBuffer(typeof m.content === "string" ? Buffer.from(m.content) : m.content, m.name);
  zip.end();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on("error", reject);
  });
}

function telegramMessage(i: number, text: unknown) {
  return {
    id: i + 1,
    type: "message",
    date: "2022-06-01T10:00:00",
    date_unixtime: String(1654077600 + i),
    from: "Ann",
    from_id: "user1",
    text,
  };
}

/** C1: a Telegram result.json whose message `at` carries a string of `chars` characters (`count` messages in all). */
export function telegramWithHugeString(chars: number, o: { count?: number; at?: number } = {}): string {
  const count = o.count ?? 1;
  const at = o.at ?? 0;
  const messages = Array.from({ length: count }, (_, i) =>
    telegramMessage(i, i === at ? "\u0000HUGE\u0000" : `hello ${i}`),
  );
  return JSON.stringify({ name: "group", type: "private_group", id: 4242, messages }).replace(
    '"\\u0000HUGE\\u0000"',
    `"${"x".repeat(chars)}"`,
  );
}

/** C1 variant: one record made of many small strings (no single long string). */
export function telegramWithHugeRecord(parts: number): string {
  return JSON.stringify({
    name: "group",
    type: "private_group",
    id: 4242,
    messages: [
      telegramMessage(
        0,
        Array.from({ length: parts }, () => "ab"),
      ),
    ],
  });
}

/** C3: a Telegram-looking document whose first message is arrays nested `depth` deep. */
export function telegramNested(depth: number): string {
  return `{"name":"group","type":"private_group","id":1,"messages":[${"[".repeat(depth)}${"]".repeat(depth)}]}`;
}

/** C2: one WhatsApp header line, then `lines` short continuation lines of one endless message. */
export function whatsappEndlessMessage(lines: number): string {
  return `01/02/2021, 10:00 - Ann: start\n${"a\n".repeat(lines)}`;
}
