import { expect } from "chai";
import { renderReport } from "../../../services/analytics/report-html.ts";

describe("analytics: the self-contained HTML report", () => {
  it("escapes every piece of chat data and needs nothing from the network", () => {
    const evil = `<img src=x onerror="alert(1)"> Eve`;
    const html = renderReport({
      datasetName: "Family <b>& friends</b>",
      generatedAt: new Date("2017-07-01T10:00:00Z"),
      timeZone: "Europe/Berlin",
      activity: {
        summary: {
          total: 3,
          byKind: { text: 3 },
          media: 0,
          system: 0,
          deleted: 0,
          edited: 0,
          participants: 1,
          conversations: 1,
          first: "2017-01-01T00:00:00Z",
          last: "2017-01-02T00:00:00Z",
        },
        messagesOverTime: [{ period: "2017-01-01", messages: 3 }],
        participants: [
          {
            participantId: "p",
            name: evil,
            messages: 3,
            avgLength: 10,
            first: "2017-01-01T00:00:00Z",
            last: "2017-01-02T00:00:00Z",
          },
        ],
        starters: [{ participantId: "p", name: evil, conversationsStarted: 1 }],
      },
      topics: {
        totalChunks: 10,
        clusters: [{ id: 0, label: "sourdough <bread>", size: 10, terms: ["sourdough", "<oven>"] }],
        map: { x: [0, 0.5], y: [0, 0.5], cluster: [0, 0] },
      },
    });
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.include("&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Eve");
    expect(html).to.include("Family &lt;b&gt;&amp; friends&lt;/b&gt;");
    expect(html).to.include("sourdough &lt;bread&gt;");
    expect(html).to.not.include("<img");
    expect(html).to.not.match(/<script|(src|href)=["']?https?:/i);
    expect(html).to.include(`Content-Security-Policy" content="default-src 'none'`);
  });
});
