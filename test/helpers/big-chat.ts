/**
 * A chat of realistic size and shape, generated from a seed: tens of thousands of
 * messages over two years, dozens of authors with names from several locales, topics
 * that come and go, messages in English, Spanish, German, French and Portuguese, emoji
 * (surrogate pairs, skin tones, ZWJ families, flags) placed anywhere including right at
 * preview cut points, @mentions, links, export placeholders, replies within minutes and
 * silences of days. Used by the topic, dashboard, viewer and browser tests and by the
 * benchmarks in bench/, so all of them meet the same data.
 *
 * Chunks (consecutive messages of a conversation) get synthetic vectors near their
 * topic's centre, so clustering can be tested without an embedding model.
 */
import { seededRandom, type RandomFn } from "../../services/cluster/random.ts";
import type { FixtureChunk, FixtureMessage } from "./chat-fixtures.ts";

export interface BigChatOptions {
  messages: number;
  /** Number of authors (names cycle through several locales). */
  authors?: number;
  /** Conversation names; a group export has one, a multi-chat export several. */
  conversations?: string[];
  seed?: number;
  /** Span of the chat in days, ending at `end`. */
  days?: number;
  /** ISO date the chat ends on (data-relative ranges must not depend on today). */
  end?: string;
  /** Vector dimension of the chunks. */
  dim?: number;
}

export interface BigChat {
  messages: FixtureMessage[];
  chunks: (FixtureChunk & { topic: string })[];
  authors: string[];
  topics: string[];
}

const FIRST = [
  "Ana",
  "Ben",
  "Chloé",
  "Dmitri",
  "Emeka",
  "Fatima",
  "Giulia",
  "Hiro",
  "Inés",
  "Jonas",
  "Karin",
  "Lukas",
  "María",
  "Nils",
  "Olga",
  "Pedro",
  "Quentin",
  "Rosa",
  "Søren",
  "Tomás",
  "Ulla",
  "Valentina",
  "Wojciech",
  "Xavier",
  "Yara",
  "Zoë",
  "Amélie",
  "Björn",
  "Camila",
  "Dario",
];
const LAST = ["García", "Müller", "Dubois", "Silva", "Rossi", "Novak", "Jensen", "Okafor", "Tanaka", "Kowalski"];

/** Topic vocabularies per language: the words a label should be made of. */
const TOPICS: Record<string, Record<string, string[]>> = {
  football: {
    en: [
      "the match last night was incredible",
      "what a goal from the striker",
      "the referee gave a penalty",
      "tickets for the final are sold out",
      "our team needs a new goalkeeper",
    ],
    es: [
      "el partido de anoche fue increíble",
      "qué golazo del delantero",
      "el árbitro pitó penalti",
      "las entradas para la final están agotadas",
    ],
    de: ["das Spiel gestern war unglaublich", "was für ein Tor vom Stürmer", "der Schiedsrichter gab Elfmeter"],
  },
  cooking: {
    en: [
      "the sourdough bread came out of the oven perfect",
      "recipe for the lasagna needs more garlic",
      "baking cookies with brown butter",
      "the curry was too spicy with chili",
    ],
    fr: ["la recette de la tarte aux pommes", "le pain au levain sort du four", "trop de beurre dans la sauce"],
    pt: ["a receita do bolo de cenoura", "o pão saiu do forno perfeito", "muito alho na feijoada"],
  },
  travel: {
    en: [
      "booked the flights to lisbon for the holiday",
      "the hotel near the beach has breakfast",
      "train to the airport leaves at six",
      "passport renewal takes weeks",
    ],
    es: ["reservé los vuelos a lisboa", "el hotel cerca de la playa", "el tren al aeropuerto sale a las seis"],
    de: ["Flüge nach Lissabon gebucht", "das Hotel am Strand hat Frühstück", "der Zug zum Flughafen fährt um sechs"],
  },
  work: {
    en: [
      "the deploy broke the staging server",
      "meeting with the client moved to thursday",
      "deadline for the quarterly report",
      "the database migration failed again",
    ],
    de: [
      "das Deployment hat den Server kaputt gemacht",
      "Besprechung mit dem Kunden am Donnerstag",
      "Abgabe für den Quartalsbericht",
    ],
  },
  music: {
    en: [
      "practising guitar chords every evening",
      "the concert tickets for the band",
      "new album dropped on spotify",
      "piano lessons start next week",
    ],
    fr: ["le concert du groupe était génial", "j'apprends les accords de guitare", "le nouvel album est sorti"],
  },
  pets: {
    en: [
      "the dog chewed my shoes again",
      "vet appointment for the cat vaccination",
      "puppy training at the park",
      "the kitten sleeps on the keyboard",
    ],
    pt: ["o cachorro comeu meu sapato", "consulta no veterinário para o gato", "o gatinho dorme no teclado"],
  },
  housing: {
    en: [
      "the landlord raised the rent",
      "moving boxes for the new flat",
      "the heating in the apartment is broken",
      "painting the kitchen walls this weekend",
    ],
    es: ["el casero subió el alquiler", "cajas para la mudanza al piso nuevo", "la calefacción del piso no funciona"],
  },
  games: {
    en: [
      "raid tonight at nine on the server",
      "new patch nerfed my character",
      "finished the zelda dungeon",
      "chess tournament online this saturday",
    ],
    de: ["heute Abend Raid auf dem Server", "das neue Update hat meinen Charakter geschwächt"],
  },
};

const EMOJI = ["😂", "👍", "❤️", "🎉", "👍🏽", "👨‍👩‍👧‍👦", "🇧🇷", "🇩🇪", "🙈", "🔥", "😭", "🤔", "🍕", "⚽", "🐶"];
const FILLER = [
  "ok",
  "lol",
  "haha",
  "yes",
  "sure",
  "👍",
  "😂😂",
  "jaja",
  "genau",
  "d'accord",
  "kkkk",
  "nice",
  "same",
  "wait what",
  "omw",
];
const PLACEHOLDERS = [
  "<Media omitted>",
  "image omitted",
  "This message was deleted",
  "Missed voice call",
  "sticker omitted",
];
const DOMAINS = [
  "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
  "https://maps.google.com/?q=lisbon",
  "https://github.com/acme/app/pull/42",
  "https://en.wikipedia.org/wiki/Sourdough",
  "https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC",
];

function gaussian(random: RandomFn): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

const pick = <T>(random: RandomFn, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

export function authorNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i < FIRST.length
      ? `${FIRST[i]} ${LAST[i % LAST.length]}`
      : `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]} ${Math.floor(i / FIRST.length) + 1}`,
  );
}

/**
 * Messages in bursts (a conversation topic per burst, 5–40 messages a minute or two apart,
 * bursts hours to days apart), chunks of up to 8 consecutive messages of a burst.
 */
export function bigChat(options: BigChatOptions): BigChat {
  const random = seededRandom(options.seed ?? 17);
  const dim = options.dim ?? 64;
  const authors = authorNames(options.authors ?? 24);
  const conversations = options.conversations ?? ["Family & Friends 🎉"];
  const topics = Object.keys(TOPICS);
  const centres = Object.fromEntries(topics.map((t) => [t, Array.from({ length: dim }, () => gaussian(random))]));
  const end = Date.parse(options.end ?? "2017-06-30T21:00:00Z");
  const span = (options.days ?? 730) * 86_400_000;
  const bursts = Math.ceil(options.messages / 18);
  let at = end - span;
  const step = span / bursts;
  const messages: FixtureMessage[] = [];
  const chunks: BigChat["chunks"] = [];
  // Authors talk unevenly: a few write most of it, as in real groups.
  const weights = authors.map((_, i) => 1 / (1 + i * 0.35));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const author = () => {
    let r = random() * totalWeight;
    for (let i = 0; i < authors.length; i++) if ((r -= weights[i]!) <= 0) return authors[i]!;
    return authors[0]!;
  };
  while (messages.length < options.messages) {
    at += step * (0.3 + random() * 1.4);
    const topic = pick(random, topics);
    const conversation = pick(random, conversations);
    const languages = Object.keys(TOPICS[topic]!);
    const language = random() < 0.6 ? languages[0]! : pick(random, languages);
    const size = Math.min(options.messages - messages.length, 5 + Math.floor(random() * 36));
    const burst: number[] = [];
    let t = at;
    for (let i = 0; i < size; i++) {
      t += (20 + random() * 240) * 1000;
      const r = random();
      let text: string;
      if (r < 0.55) {
        text = pick(random, TOPICS[topic]![language]!);
        if (random() < 0.3) text += ` ${pick(random, EMOJI)}`;
        if (random() < 0.1) text = `@${pick(random, authors).split(" ")[0]} ${text}`;
        if (random() < 0.05) text += ` ${pick(random, DOMAINS)}`;
        // Long messages with an emoji straddling the 120th UTF-16 unit, where previews are cut.
        if (random() < 0.05)
          text = `${text} ${pick(random, TOPICS[topic]![language]!)}`.padEnd(119, ".") + "👨‍👩‍👧‍👦🇧🇷 and more";
      } else if (r < 0.85) text = pick(random, FILLER);
      else if (r < 0.93)
        text = `${pick(random, authors).split(" ")[0]} ${pick(random, ["said", "meinte", "dijo"])} ${pick(random, FILLER)}`;
      else text = pick(random, PLACEHOLDERS);
      messages.push({ conversation, author: author(), at: new Date(t).toISOString(), text });
      burst.push(messages.length - 1);
    }
    for (let i = 0; i < burst.length; i += 8) {
      const members = burst.slice(i, i + 8);
      chunks.push({ topic, messages: members, vector: centres[topic]!.map((c) => c + gaussian(random) * 0.6) });
    }
  }
  return { messages, chunks, authors, topics };
}
