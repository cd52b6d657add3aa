/**
 * Three realistic group chats on distinct topics (a hiking trip, a kitchen renovation, a new
 * puppy), 60 messages in bursts separated by long pauses, and labelled queries: some share exact
 * words with the message they should find (lexical), some say the same thing in other words
 * (paraphrased). Expected messages are named by a unique fragment of their text.
 */
import type { SeedMessage } from "../embedder/helpers.ts";

const burst = (start: number, lines: [string, string][]): SeedMessage[] =>
  lines.map(([author, text], i) => ({ author, text, at: start + i * 2 }));

export const CONVERSATIONS: { key: string; messages: SeedMessage[] }[] = [
  {
    key: "alps-trip",
    messages: [
      ...burst(0, [
        ["Maya", "Who is in for the hiking trip to the Dolomites in July?"],
        ["Tom", "Count me in, I have been wanting to walk the Alta Via for years"],
        ["Lena", "Me too! Which week works for everyone?"],
        ["Maya", "The second week of July looks free for most of us"],
      ]),
      ...burst(180, [
        ["Tom", "I booked the night train from Munich to Verona, it leaves at 22:40"],
        ["Lena", "Great, how much were the sleeper tickets?"],
        ["Tom", "89 euros each for a couchette with six beds"],
      ]),
      ...burst(400, [
        ["Maya", "The mountain huts fill up fast, I reserved four beds at Rifugio Lagazuoi"],
        ["Lena", "Do they take cards or only cash up there?"],
        ["Maya", "Cash only, bring enough euros for dinner and breakfast"],
      ]),
      ...burst(700, [
        ["Tom", "Weather forecast says thunderstorms every afternoon next week"],
        ["Lena", "Then we start walking at six and reach the hut before two"],
        ["Maya", "Good plan, storms on an exposed ridge are no joke"],
      ]),
      ...burst(1000, [
        ["Lena", "Packing list: rain jacket, headlamp, blister plasters, water filter"],
        ["Tom", "Don't forget a sleeping bag liner, the huts require one"],
        ["Maya", "And sunscreen, the glacier reflects a lot of light"],
      ]),
      ...burst(1300, [
        ["Tom", "My knee hurt on the descent last time, I will bring trekking poles"],
        ["Lena", "Poles help a lot going downhill, good idea"],
        ["Maya", "I can lend you my spare pair"],
        ["Tom", "Thanks Maya, that saves me buying new ones"],
      ]),
    ],
  },
  {
    key: "kitchen-renovation",
    messages: [
      ...burst(0, [
        ["Sara", "The contractor sent the quote for the kitchen: 18,500 including labour"],
        ["David", "That is way over our budget of fifteen thousand"],
        ["Sara", "We could keep the old cabinets and only replace the worktop"],
      ]),
      ...burst(200, [
        ["David", "The plumber found a leaking pipe behind the dishwasher"],
        ["Sara", "Is the floor underneath damaged?"],
        ["David", "A bit of mould on the subfloor, he will dry it out before fixing it"],
      ]),
      ...burst(450, [
        ["Sara", "I like the green zellige tiles for the backsplash"],
        ["David", "They are beautiful but cost 120 per square metre"],
        ["Sara", "Plain white subway tiles would be a third of that"],
      ]),
      ...burst(800, [
        ["David", "Electrician says we need a separate circuit for the induction hob"],
        ["Sara", "Can he do it on Thursday while the walls are still open?"],
        ["David", "Yes, Thursday morning at eight"],
      ]),
      ...burst(1100, [
        ["Sara", "We have no kitchen for three weeks, shall we eat out or use a camping stove?"],
        ["David", "The microwave and kettle can live in the living room for now"],
        ["Sara", "I'll cook big batches at my mother's on Sunday"],
      ]),
      ...burst(1400, [
        ["David", "The worktop arrived but it is two centimetres too short"],
        ["Sara", "Send photos to the supplier and ask for a replacement"],
        ["David", "They promised a new one within ten days"],
        ["Sara", "Fine, better than a gap next to the fridge"],
      ]),
    ],
  },
  {
    key: "new-puppy",
    messages: [
      ...burst(0, [
        ["Nora", "We picked up the puppy today, a golden retriever called Biscuit!"],
        ["Ben", "So cute, send more pictures"],
        ["Nora", "He slept the whole way home in the car"],
      ]),
      ...burst(250, [
        ["Ben", "Did you book his first vet appointment?"],
        ["Nora", "Yes, Monday at ten for vaccinations and a microchip"],
        ["Ben", "Ask them about worming tablets too"],
      ]),
      ...burst(500, [
        ["Nora", "He keeps peeing on the rug no matter what we do"],
        ["Ben", "Take him outside right after every meal and every nap, and praise him"],
        ["Nora", "Okay, we'll try a strict schedule"],
      ]),
      ...burst(800, [
        ["Ben", "What food are you giving him?"],
        ["Nora", "Dry kibble for large breed puppies, four small meals a day"],
        ["Ben", "Careful with treats, retrievers get fat easily"],
      ]),
      ...burst(1100, [
        ["Nora", "He chewed through the charger cable last night"],
        ["Ben", "Puppies chew everything while teething, hide the wires"],
        ["Nora", "We bought frozen chew toys to soothe his gums"],
      ]),
      ...burst(1400, [
        ["Ben", "There is a puppy class at the park on Saturday mornings"],
        ["Nora", "Perfect, he needs to learn sit and recall"],
        ["Ben", "And to meet other dogs while he is young"],
        ["Nora", "I signed us up for the six-week course"],
      ]),
    ],
  },
];

export interface LabelledQuery {
  query: string;
  kind: "lexical" | "paraphrase";
  /** Unique text fragments of the relevant messages. */
  expected: string[];
}

export const QUERIES: LabelledQuery[] = [
  { query: "night train Munich Verona", kind: "lexical", expected: ["night train from Munich to Verona"] },
  { query: "Rifugio Lagazuoi beds", kind: "lexical", expected: ["reserved four beds at Rifugio Lagazuoi"] },
  { query: "leaking pipe dishwasher", kind: "lexical", expected: ["leaking pipe behind the dishwasher"] },
  { query: "zellige tiles backsplash", kind: "lexical", expected: ["green zellige tiles"] },
  { query: "induction hob circuit", kind: "lexical", expected: ["separate circuit for the induction hob"] },
  {
    query: "vet appointment vaccinations microchip",
    kind: "lexical",
    expected: ["vaccinations and a microchip", "first vet appointment"],
  },
  { query: "charger cable chewed", kind: "lexical", expected: ["chewed through the charger cable"] },
  { query: "sleeping bag liner", kind: "lexical", expected: ["sleeping bag liner"] },
  {
    query: "how much did the railway journey cost",
    kind: "paraphrase",
    expected: ["89 euros each", "how much were the sleeper tickets"],
  },
  {
    query: "afraid of lightning on the mountain",
    kind: "paraphrase",
    expected: ["thunderstorms every afternoon", "storms on an exposed ridge"],
  },
  {
    query: "the renovation is too expensive",
    kind: "paraphrase",
    expected: ["way over our budget", "quote for the kitchen"],
  },
  {
    query: "the counter surface was delivered in the wrong size",
    kind: "paraphrase",
    expected: ["two centimetres too short"],
  },
  {
    query: "toilet training the young dog",
    kind: "paraphrase",
    expected: ["peeing on the rug", "outside right after every meal"],
  },
  {
    query: "what does the pet eat",
    kind: "paraphrase",
    expected: ["Dry kibble for large breed puppies", "What food are you giving him"],
  },
  {
    query: "sore joints when walking down the hill",
    kind: "paraphrase",
    expected: ["My knee hurt on the descent", "Poles help a lot going downhill"],
  },
];
