import { expect } from "chai";
import { classifyFirstLine } from "../../../../services/ingest/parsers/whatsapp-markers.ts";

describe("ingest WhatsApp markers", () => {
  it("classifies placeholders past the quick rejection of ordinary text", () => {
    const kinds: [string, string | undefined][] = [
      ["<Media omitted>", "media"],
      ["\u200eimage omitted", "media"],
      ["Video Omitted", "media"],
      ["<медиафайлы удалены>", "media"],
      ["Sticker omitted", "sticker"],
      ["Fiche contact omise", "contact"],
      ["This message was deleted", "deleted"],
      ["ЭТО СООБЩЕНИЕ УДАЛЕНО", "deleted"],
      ["Diese Nachricht wurde gelöscht.", "deleted"],
      ["Missed voice call, tap to call back", "call"],
      ["Video call, 3 min", "call"],
      ["Live location shared", "location"],
      ["Ubicación: https://maps.google.com/?q=1,2", "location"],
      ["location: https://maps.google.com/?q=52.5,13.4 and a long comment after the link", "location"],
      ["POLL:", "poll"],
      ["<attached: 00000012-PHOTO-2020-01-01.jpg>", "media"],
      ["< attached: 00000013-AUDIO-2020-01-01.opus>", "media"],
      ["IMG-1.jpg (file attached)", "media"],
      ["Kontakt.vcf (Datei angehängt)", "contact"],
      ["the train is late", undefined],
      ["ok", undefined],
      ["x", undefined],
      ["", undefined],
      ["a long message that mentions location: https://maps.google.com later on", undefined],
    ];
    expect(kinds.map(([line]) => classifyFirstLine(line)?.kind)).to.deep.equal(kinds.map(([, kind]) => kind));
  });
});
