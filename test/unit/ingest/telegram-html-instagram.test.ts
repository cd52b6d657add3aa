import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { detectFormat } from "../../../services/ingest/detect.ts";
import { openContainer } from "../../../services/ingest/io/container.ts";
import { zipOf } from "../../helpers/hostile-exports.ts";
import { namer, parse } from "./helpers.ts";

/**
 * Issue 14 point 4: Telegram Desktop's HTML export and Instagram's current DM export layout,
 * built here the way the apps write them.
 */

const page = (title: string, body: string) => `<!DOCTYPE html>
<html>
 <head>
  <meta charset="utf-8"/>
<title>Exported Data</title>
  <meta content="width=device-width, initial-scale=1.0" name="viewport"/>
  <link href="css/style.css" rel="stylesheet"/>
 </head>
 <body onload="CheckLocation();">
  <div class="page_wrap">
   <div class="page_header">
    <div class="content">
     <div class="text bold">
${title}
     </div>
    </div>
   </div>
   <div class="page_body chat_page">
    <div class="history">
${body}
    </div>
   </div>
  </div>
 </body>
</html>
`;

const dateSeparator = (id: number, text: string) => `
     <div class="message service" id="message-${id}">
      <div class="body details">
${text}
      </div>
     </div>`;

const message = (o: {
  id: number;
  title: string;
  from?: string;
  text?: string;
  media?: string;
  reply?: number;
  forwarded?: string;
}) => `
     <div class="message default clearfix${o.from ? "" : " joined"}" id="message${o.id}">
${
  o.from
    ? `      <div class="pull_left userpic_wrap">
       <div class="userpic userpic2" style="width: 42px; height: 42px">
        <div class="initials" style="line-height: 42px">${o.from.slice(0, 1)}</div>
       </div>
      </div>`
    : ""
}
      <div class="body">
       <div class="pull_right date details" title="${o.title}">
${o.title.slice(11, 16)}
       </div>
${
  o.from
    ? `       <div class="from_name">
${o.from.replace(/ /g, "&nbsp;")} 
       </div>`
    : ""
}
${
  o.reply
    ? `       <div class="reply_to details">
In reply to <a href="#go_to_message${o.reply}" onclick="return GoToMessage(${o.reply})">this message</a>
       </div>`
    : ""
}
${
  o.forwarded
    ? `       <div class="pull_left forwarded userpic_wrap"></div>
       <div class="forwarded body">
        <div class="from_name">
${o.forwarded}<span class="date details" title="01.03.2021 09:00:00"> 01.03.2021 09:00:00</span>
        </div>
        <div class="text">
${o.text ?? ""}
        </div>
       </div>`
    : ""
}
${o.media ?? ""}
${
  o.text && !o.forwarded
    ? `       <div class="text">
${o.text}
       </div>`
    : ""
}
      </div>
     </div>`;

const service = (id: number, title: string, text: string) => `
     <div class="message service" id="message${id}">
      <div class="body details">
${text}
      </div>
     </div>`;

const PAGE1 = page(
  "Trip Planning",
  dateSeparator(1, "14 March 2021") +
    service(2, "14.03.2021 09:59:00 UTC+03:00", "Alice Smith created group «Trip Planning»") +
    message({
      id: 3,
      title: "14.03.2021 10:00:00 UTC+03:00",
      from: "Alice Smith",
      text: "Hello &amp; welcome<br>second line",
    }) +
    message({ id: 4, title: "14.03.2021 10:00:30 UTC+03:00", text: "joined message, same author" }) +
    message({
      id: 5,
      title: "14.03.2021 10:01:00 UTC+03:00",
      from: "Bob",
      media: `       <div class="media_wrap clearfix">
        <a class="photo_wrap clearfix pull_left" href="photos/photo_1@14-03-2021_10-01-00.jpg">
         <img class="photo" src="photos/photo_1@14-03-2021_10-01-00_thumb.jpg" style="width: 260px; height: 195px"/>
        </a>
       </div>`,
      text: "look at this",
    }),
);
const PAGE2 = page(
  "Trip Planning",
  message({ id: 6, title: "14.03.2021 10:02:00 UTC+03:00", from: "Alice Smith", text: "nice", reply: 5 }) +
    message({
      id: 7,
      title: "15.03.2021 08:00:00 UTC-05:00",
      from: "Bob",
      text: "forwarded text",
      forwarded: "Carol",
    }) +
    message({
      id: 8,
      title: "15.03.2021 08:05:00 UTC-05:00",
      media: `       <div class="media_wrap clearfix">
        <a class="media clearfix pull_left block_link media_voice_message" href="voice_messages/audio_1@15-03-2021_08-05-00.ogg">
         <div class="fill pull_left"></div>
         <div class="body"><div class="title bold">Voice message</div><div class="status details">00:05</div></div>
        </a>
       </div>`,
    }),
);

const mojibake = (s: string) => Buffer.from(s, "utf8").toString("latin1");

function instagramThread(title: string, names: string[]) {
  return JSON.stringify(
    {
      participants: names.map((name) => ({ name: mojibake(name) })),
      messages: [
        {
          sender_name: mojibake(names[1]!),
          timestamp_ms: 1_700_000_300_000,
          content: mojibake("Até já! 👋"),
          reactions: [{ reaction: mojibake("❤"), actor: mojibake(names[0]!) }],
          is_geoblocked_for_viewer: false,
        },
        {
          sender_name: mojibake(names[0]!),
          timestamp_ms: 1_700_000_200_000,
          share: { link: "https://www.instagram.com/p/abc/" },
          content: "sent an attachment.",
          is_geoblocked_for_viewer: false,
        },
        {
          sender_name: mojibake(names[1]!),
          timestamp_ms: 1_700_000_100_000,
          content: "oi",
          is_geoblocked_for_viewer: false,
        },
      ],
      title: mojibake(title),
      is_still_participant: true,
      thread_path: "inbox/josenunez_17845",
      magic_words: [],
    },
    null,
    2,
  );
}

describe("ingest parsers: Telegram HTML and Instagram exports (issue 14 point 4)", () => {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), "chatlens-tg-ig-"));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  async function telegramChecks(file: string) {
    const container = await openContainer(file, path.basename(file));
    try {
      expect((await detectFormat(container)).format).to.equal("telegram");
    } finally {
      container.close();
    }
    const result = await parse({ path: file });
    expect(result.summary!.format).to.equal("telegram");
    const who = namer(result);
    expect(result.conversations.map((c) => [c.name, c.platform])).to.deep.equal([["Trip Planning", "telegram"]]);
    expect(result.messages.map((m) => [m.sourceId, m.kind, who(m.authorKey), m.text])).to.deep.equal([
      ["2", "system", undefined, "Alice Smith created group «Trip Planning»"],
      ["3", "text", "Alice Smith", "Hello & welcome\nsecond line"],
      ["4", "text", "Alice Smith", "joined message, same author"],
      ["5", "media", "Bob", "look at this"],
      ["6", "text", "Alice Smith", "nice"],
      ["7", "text", "Bob", "forwarded text"],
      ["8", "media", "Bob", ""],
    ]);
    expect(result.messages[1]!.timestamp.toISOString()).to.equal("2021-03-14T07:00:00.000Z");
    expect(result.messages[6]!.timestamp.toISOString()).to.equal("2021-03-15T13:05:00.000Z");
    expect(result.messages[3]!.attachments).to.deep.equal([
      { name: "photos/photo_1@14-03-2021_10-01-00.jpg", mediaType: "photo" },
    ]);
    expect(result.messages[6]!.attachments[0]!.mediaType).to.equal("voice");
    expect(result.messages[4]!.replyTo).to.equal("5");
    expect(result.messages[5]!.forwardedFrom).to.equal("Carol");
    // Stable keys: a re-import of the same export gives the same ones.
    expect((await parse({ path: file })).messages.map((m) => m.sourceKey)).to.deep.equal(
      result.messages.map((m) => m.sourceKey),
    );
  }

  it("Telegram Desktop HTML export as a zip (messages.html, messages2.html) imports as Telegram", async () => {
    const file = path.join(tmp, "Telegram export.zip");
    writeFileSync(
      file,
      await zipOf([
        { name: "ChatExport_2021-03-16/messages2.html", content: PAGE2 },
        { name: "ChatExport_2021-03-16/messages.html", content: PAGE1 },
        { name: "ChatExport_2021-03-16/css/style.css", content: "body{}" },
      ]),
    );
    await telegramChecks(file);
  });

  it("the same export as a folder", async () => {
    const dir = path.join(tmp, "ChatExport_2021-03-16");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "messages.html"), PAGE1);
    writeFileSync(path.join(dir, "messages2.html"), PAGE2);
    await telegramChecks(dir);
  });

  it("one uploaded messages.html page", async () => {
    const file = path.join(tmp, "messages.html");
    writeFileSync(file, PAGE1);
    const result = await parse({ path: file });
    expect(result.summary!.format).to.equal("telegram");
    expect(result.messages).to.have.length(4);
  });

  it("an HTML page that is not a Telegram export is refused with a hint", async () => {
    const file = path.join(tmp, "page.html");
    writeFileSync(file, "<!DOCTYPE html><html><body><p>hello</p></body></html>");
    const err = await parse({ path: file }).catch((e: Error) => e);
    expect(String(err)).to.contain("Telegram Desktop HTML");
  });

  it("Instagram's current export layout (your_instagram_activity/messages/inbox) is detected as Instagram whatever the zip's name", async () => {
    const file = path.join(tmp, "export-2024-06-01.zip");
    writeFileSync(
      file,
      await zipOf([
        {
          name: "your_instagram_activity/messages/inbox/josenunez_17845/message_1.json",
          content: instagramThread("José Núñez", ["José Núñez", "Anna"]),
        },
        { name: "personal_information/personal_information/personal_information.json", content: "{}" },
      ]),
    );
    const result = await parse({ path: file });
    expect(result.summary!.format).to.equal("instagram");
    const who = namer(result);
    expect(result.conversations.map((c) => [c.name, c.platform])).to.deep.equal([["José Núñez", "instagram"]]);
    expect(result.messages.map((m) => [who(m.authorKey), m.text])).to.deep.equal([
      ["Anna", "oi"],
      ["José Núñez", "sent an attachment."],
      ["Anna", "Até já! 👋"],
    ]);
  });

  it("one Instagram thread file is detected by its content, not its name", async () => {
    const file = path.join(tmp, "message_1.json");
    writeFileSync(file, instagramThread("José Núñez", ["José Núñez", "Anna"]));
    expect((await parse({ path: file })).summary!.format).to.equal("instagram");
  });

  it("Facebook Messenger's layout stays Messenger", async () => {
    const file = path.join(tmp, "fb.zip");
    writeFileSync(
      file,
      await zipOf([
        {
          name: "your_activity_across_facebook/messages/inbox/anna_1/message_1.json",
          content: instagramThread("Anna", ["Anna", "Bo"]).replace(
            "https://www.instagram.com/p/abc/",
            "https://example.com/",
          ),
        },
      ]),
    );
    expect((await parse({ path: file })).summary!.format).to.equal("messenger");
  });
});
