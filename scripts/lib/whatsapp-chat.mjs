// A generated WhatsApp chat for HTTP checks and benchmarks: everyday lines, short fillers and
// media placeholders, as real exports have.
const LINES = [
  "Shall we go hiking in the mountains this weekend?",
  "The weather forecast says rain on Saturday, maybe Sunday is better",
  "I booked a table at the Italian place for Friday at eight",
  "Can you pick up milk and bread on the way home?",
  "The dog has been sick since yesterday, I'm taking her to the vet",
  "Our quarterly numbers look much better than last year",
  "The train to the city was delayed again by forty minutes",
  "I planted tomatoes and courgettes in the garden today",
  "Did you see the football match last night? What a goal",
  "My laptop keeps crashing when I open the video editor",
  "Happy birthday!! Have a wonderful day",
  "Let's meet at the station at half past nine",
  "The kitchen tap is leaking again, I'll call the plumber",
  "Movie night at ours on Thursday, bring snacks",
  "I finished the book you lent me, the ending was brilliant",
  "ok",
  "haha",
  "👍",
  "<Media omitted>",
  "Thanks!",
];
const pad = (n) => String(n).padStart(2, "0");
/** A WhatsApp export (DD/MM/YYYY, HH:MM - Name: text) of `count` messages. */
export function whatsappChat(count) {
  const start = Date.UTC(2024, 0, 1, 8);
  const names = ["Anna", "Tom", "Lisa", "Marek"];
  let out = "";
  for (let i = 0; i < count; i++) {
    const d = new Date(start + i * 97_000);
    const line = LINES[(i * 7 + Math.floor(i / 13)) % LINES.length];
    out += `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} - ${names[i % names.length]}: ${line}${line.length > 20 ? ` (${i})` : ""}\n`;
  }
  return out;
}
