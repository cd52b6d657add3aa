/**
 * WhatsApp exports of realistic size in several locales, generated from a seed together with
 * what a correct import must find: per message its author (none for a notice), kind, wall-clock
 * time and text. Each locale writes its own header layout, placeholders and notices the way
 * real exports of that phone language do (Android: one "<…>" media placeholder and author-less
 * notices; iOS: per-type placeholders and notices under a name after a left-to-right mark), and
 * the generated chats carry what real ones do: multi-line messages, mark-led plain texts, empty
 * messages, phone-number authors, a timestamp pasted into a message, a layout change when the
 * phone's language changed, CRLF line ends or a BOM. Lines are written for the tests.
 */
import { seededRandom, type RandomFn } from "../../services/cluster/random.ts";

const LRM = "\u200e";
const RLM = "\u200f";

export interface ExpectedMessage {
  author: string | undefined;
  kind: string;
  time: string;
  text: string;
}

export interface LocaleExport {
  locale: string;
  fileName: string;
  content: string;
  expected: ExpectedMessage[];
  authors: string[];
}

interface Locale {
  name: string;
  fileName: string;
  ios: boolean;
  /** The header before the author, for a wall-clock time (UTC fields). */
  header: (t: Date) => string;
  /** Header of the second layout, used from the middle of the chat on (the phone's language changed). */
  laterHeader?: (t: Date) => string;
  seconds: boolean;
  encryption: string;
  media: string[];
  sticker?: string;
  deleted: string;
  /** Notices: [actor, member] → text. */
  added: (actor: string, member: string) => string;
  left: (member: string) => string;
  texts: string[];
  crlf?: boolean;
  bom?: boolean;
}

const pad = (n: number) => String(n).padStart(2, "0");
const arabic = (s: string) => s.replace(/[0-9]/g, (d) => String.fromCharCode(0x660 + Number(d)));
const h12 = (h: number) => (h % 12 === 0 ? 12 : h % 12);

const LOCALES: Locale[] = [
  {
    name: "German Android",
    fileName: "WhatsApp Chat mit Familie.txt",
    ios: false,
    header: (t) =>
      `${pad(t.getUTCDate())}.${pad(t.getUTCMonth() + 1)}.${pad(t.getUTCFullYear() % 100)}, ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())} - `,
    // Later switched to English (US) 12-hour: "3/3/19, 4:58 AM - "
    laterHeader: (t) =>
      `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${pad(t.getUTCFullYear() % 100)}, ${h12(t.getUTCHours())}:${pad(t.getUTCMinutes())}\u202f${t.getUTCHours() < 12 ? "AM" : "PM"} - `,
    seconds: false,
    encryption:
      "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats kann sie lesen oder anhören, nicht einmal WhatsApp.",
    media: ["<Medien ausgeschlossen>"],
    deleted: "Diese Nachricht wurde gelöscht",
    added: (a, m) => `${a} hat ${m} hinzugefügt`,
    left: (m) => `${m} hat die Gruppe verlassen`,
    texts: [
      "Bin gleich da",
      "Wer bringt den Kuchen mit?",
      "Das Spiel gestern war unglaublich",
      "ok",
      "Gute Nacht 😴",
      "Kannst du mich um 8 abholen?",
    ],
    crlf: true,
  },
  {
    name: "Portuguese (Portugal) iOS",
    fileName: "_chat.txt",
    ios: true,
    header: (t) =>
      `[${pad(t.getUTCDate())}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCFullYear() % 100)}, ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}] `,
    seconds: true,
    encryption:
      "As mensagens e chamadas são encriptadas ponto a ponto. Ninguém fora desta conversa, nem mesmo o WhatsApp, pode ler ou ouvi-las.",
    media: [`${LRM}imagem não revelada`, `${LRM}vídeo não revelado`, `${LRM}ficheiro de áudio não revelado`],
    sticker: `${LRM}sticker não revelado`,
    deleted: `${LRM}Esta mensagem foi apagada.`,
    added: (a, m) => `${LRM}${a} adicionou ${m}`,
    left: (m) => `${LRM}${m} saiu`,
    texts: [
      "Chego em dez minutos",
      "Quem traz o bolo?",
      "O jogo de ontem foi incrível",
      "ok",
      "Boa noite 😴",
      "Podes buscar-me às 8?",
    ],
    bom: true,
  },
  {
    name: "Arabic iOS",
    fileName: "_chat.txt",
    ios: true,
    header: (t) =>
      arabic(
        `[${t.getUTCDate()}${RLM}/${t.getUTCMonth() + 1}${RLM}/${t.getUTCFullYear()}، ${h12(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${t.getUTCHours() < 12 ? "ص" : "م"}] `,
      ),
    seconds: true,
    encryption:
      "الرسائل والمكالمات مشفرة تمامًا بين الطرفين. لا أحد خارج هذه الدردشة، ولا حتى واتساب، يمكنه قراءتها أو الاستماع إليها.",
    media: [`${LRM}لم يتم إدراج الصورة`, `${LRM}لم يتم إدراج الفيديوهات`],
    sticker: `${LRM}تم حذف الملصقات`,
    deleted: `${LRM}تم حذف هذه الرسالة.`,
    added: (a, m) => `${LRM}${a} أضاف ${m}`,
    left: (m) => `${LRM}${m} غادر`,
    texts: ["سأصل بعد عشر دقائق", "من سيحضر الكعكة؟", "المباراة أمس كانت رائعة", "حسنا", "تصبحون على خير 😴"],
  },
  {
    name: "Japanese iOS, Japanese calendar",
    fileName: "_chat.txt",
    ios: true,
    header: (t) =>
      `[令和${t.getUTCFullYear() - 2018}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}] `,
    seconds: true,
    encryption:
      "メッセージと通話はエンドツーエンド暗号化されています。このチャットの参加者以外は、WhatsAppであっても、読んだり聴いたりすることはできません。",
    media: ["<メディアは含まれていません>"],
    deleted: `${LRM}このメッセージは削除されました。`,
    added: (a, m) => `${LRM}${a}が${m}を追加しました`,
    left: (m) => `${LRM}${m}がグループを退出しました`,
    texts: ["10分で着きます", "ケーキは誰が持ってくる？", "昨日の試合はすごかった", "了解", "おやすみ😴"],
  },
  {
    name: "English (US) old iOS, colon after the time",
    fileName: "WhatsApp Chat with Trip.txt",
    ios: true,
    header: (t) =>
      `${t.getUTCMonth() + 1}/${t.getUTCDate()}/${pad(t.getUTCFullYear() % 100)}, ${h12(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} ${t.getUTCHours() < 12 ? "AM" : "PM"}: `,
    seconds: true,
    encryption: "Messages to this group are now secured with end-to-end encryption.",
    media: [`${LRM}image omitted`, `${LRM}audio omitted`, `${LRM}GIF omitted`],
    sticker: `${LRM}sticker omitted`,
    deleted: `${LRM}This message was deleted.`,
    added: (a, m) => `${LRM}${a} added ${m}`,
    left: (m) => `${LRM}${m} left`,
    texts: [
      "be there in ten",
      "who brings the cake?",
      "the match last night was incredible",
      "ok",
      "good night 😴",
      "can you pick me up at 8?",
    ],
  },
];

export const LOCALE_NAMES = LOCALES.map((l) => l.name);

const NAMES = [
  "Ana Silva",
  "Tomás",
  "Jürgen Weiß",
  "Fatima",
  "Hiro",
  "Zoë 🌸",
  "+55 61 91234\u20115678",
  "Olga",
  "Emeka",
  "María José",
];

/** Where a year is written with two digits or an era, the chat must stay within years the layout can say. */
const START = Date.UTC(2022, 0, 3, 8, 0, 0);

/**
 * One export of `count` messages for the locale at `index` of LOCALE_NAMES. The group's own name
 * writes the encryption notice on iOS (not a participant); notices follow the locale's layout.
 */
export function localeExport(index: number, count: number, seed = 7): LocaleExport {
  const l = LOCALES[index]!;
  const random: RandomFn = seededRandom(seed + index);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!;
  const lines: string[] = [];
  const expected: ExpectedMessage[] = [];
  const authors = new Set<string>();
  const group = l.fileName === "_chat.txt" ? "Família e amigos" : "Familie";
  let t = START;
  const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  const at = (ms: number) => (l.seconds ? ms : Math.floor(ms / 60_000) * 60_000);
  const headerOf = (i: number, d: Date) => (l.laterHeader && i >= count / 2 ? l.laterHeader(d) : l.header(d));

  // The chat opens with the encryption notice: author-less on Android, under the group's name on iOS.
  lines.push(`${l.header(new Date(t))}${l.ios ? `${group}: ${LRM}` : ""}${l.encryption}`);
  expected.push({ author: undefined, kind: "system", time: wall(at(t)), text: l.encryption });
  for (let i = 1; i < count; i++) {
    // Replies within minutes, silences of hours, now and then days.
    const r = random();
    t +=
      r < 0.8
        ? Math.floor(random() * 180_000)
        : r < 0.98
          ? Math.floor(random() * 6 * 3_600_000)
          : Math.floor(random() * 4 * 86_400_000);
    const d = new Date(at(t));
    const head = headerOf(i, d);
    const author = pick(NAMES);
    const roll = random();
    if (roll < 0.02) {
      const member = pick(NAMES.filter((n) => n !== author));
      const text = roll < 0.01 ? l.added(author, member) : l.left(member);
      // Android writes notices without an author; iOS under the actor's name, after a mark.
      lines.push(l.ios ? `${head}${roll < 0.01 ? author : member}: ${text}` : `${head}${text}`);
      expected.push({ author: undefined, kind: "system", time: wall(d.getTime()), text: text.replace(/\u200e/g, "") });
      continue;
    }
    authors.add(author);
    let body: string;
    let kind = "text";
    let text: string;
    if (roll < 0.1) {
      body = pick(l.media);
      kind = "media";
      text = "";
    } else if (roll < 0.12 && l.sticker) {
      body = l.sticker;
      kind = "sticker";
      text = "";
    } else if (roll < 0.14) {
      body = l.deleted;
      kind = "deleted";
      text = "";
    } else if (roll < 0.16) {
      // A multi-line message, one of its lines a pasted timestamp of another layout.
      text = `${pick(l.texts)}\n2016-04-29 10:30:00\n${pick(l.texts)}`;
      body = text;
    } else if (roll < 0.18) {
      // A plain text after a left-to-right mark keeps its author.
      text = pick(l.texts);
      body = `${LRM}${text}`;
    } else if (roll < 0.181) {
      text = "";
      body = "";
    } else {
      text = pick(l.texts);
      body = text;
    }
    lines.push(body === "" ? `${head}${author}:` : `${head}${author}: ${body}`);
    expected.push({ author: author.replace(/\u2011/g, "-"), kind, time: wall(d.getTime()), text });
  }
  const eol = l.crlf ? "\r\n" : "\n";
  return {
    locale: l.name,
    fileName: l.fileName,
    content: (l.bom ? "\ufeff" : "") + lines.join(eol) + eol,
    expected,
    authors: [...authors].map((a) => a.replace(/\u2011/g, "-")),
  };
}
