import { expect } from "chai";
import { http, httpRaw, type RequestBody } from "../../helpers/http.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { uploadFile, waitForImport } from "../ingest/helpers.ts";
import { INDEX_SERVICES, INDEX_TEST_ENV, search } from "./helpers.ts";

const GERMAN = [
  "Die Häuser am See sind dieses Jahr viel teurer geworden",
  "Wir haben gestern zwei Wohnungen in der Altstadt angesehen",
  "Morgen fahren wir mit dem Zug nach München",
  "Hast du schon mit dem Makler gesprochen?",
  "Der Garten hinter dem Haus ist wirklich schön 🌳",
  "Die Kinder spielen mit den Hunden im Park",
];

/** A German WhatsApp export of a few hundred messages, the telling ones among everyday filler. */
function germanChat(): string {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) {
    const at = new Date(Date.UTC(2023, 4, 1, 8) + i * 7 * 60_000);
    const stamp = `${String(at.getUTCDate()).padStart(2, "0")}.${String(at.getUTCMonth() + 1).padStart(2, "0")}.${String(at.getUTCFullYear()).slice(2)}, ${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
    const text =
      i % 50 === 0 ? GERMAN[(i / 50) % GERMAN.length]! : `Nachricht Nummer ${i} über das Wetter und den Kaffee`;
    lines.push(`${stamp} - ${i % 2 ? "Jürgen" : "Zoë"}: ${text}`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Issue 13 point 1: stemming and stop words follow the dataset's language, detected at import and
 * overridable per dataset. A German chat set to English does not find "Häuser" for "Haus"
 * (English stemming leaves the plural alone); set to German, or back to detection, it does.
 */
describe("search: each dataset's keyword language, detected or chosen", function () {
  this.timeout(300_000);
  let p: TestPlatform;
  let a: Account;
  let other: Account;
  let datasetId: string;
  const hits = async (query: string) => {
    const res = await search(p.baseUrl, a.accessToken, { datasetId, query, mode: "keyword" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items.map((i) => i.message.text);
  };
  const patch = (body: RequestBody<"PATCH", `/api/datasets/${string}`>, token = a.accessToken) =>
    http(p.baseUrl, "PATCH", `/api/datasets/${datasetId}`, { token, body });

  before(async function () {
    this.timeout(600_000);
    p = await startTestPlatform({ services: INDEX_SERVICES, env: INDEX_TEST_ENV });
    a = await signUp(p);
    other = await signUp(p);
    const created = await http(p.baseUrl, "POST", "/api/datasets", {
      token: a.accessToken,
      body: { name: "Wohnungssuche", keywordLanguage: "en" },
    });
    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.keywordLanguage).to.equal("en");
    datasetId = created.body.id;
    const upload = await uploadFile(p, a.accessToken, datasetId, {
      name: "WhatsApp Chat mit Familie.txt",
      content: germanChat(),
    });
    expect(upload.status, JSON.stringify(upload.body)).to.equal(202);
    expect((await waitForImport(p, a.accessToken, upload.body.id)).status).to.equal("completed");
  });
  after(async () => p?.stop());

  it("searches with the language chosen for the dataset, and again with a new choice at once", async () => {
    expect(await hits("Haus")).to.not.include(GERMAN[0]);
    const de = await patch({ keywordLanguage: "de" });
    expect(de.status, JSON.stringify(de.body)).to.equal(200);
    expect(de.body.keywordLanguage).to.equal("de");
    expect(await hits("Haus")).to.include(GERMAN[0]);
    expect(await hits("Hund")).to.include(GERMAN[5]);
  });

  it("detects the language when set to auto or back to the platform default (null)", async () => {
    await patch({ keywordLanguage: "en" });
    expect(await hits("Haus")).to.not.include(GERMAN[0]);
    const auto = await patch({ keywordLanguage: "auto" });
    expect(auto.body.keywordLanguage).to.equal("auto");
    expect(await hits("Haus")).to.include(GERMAN[0]);
    const reset = await patch({ keywordLanguage: null });
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
    expect(reset.body.keywordLanguage).to.equal(null);
    // KEYWORD_LANGUAGE is "auto" by default: detected as German.
    expect(await hits("Haus")).to.include(GERMAN[0]);
  });

  it("refuses a language it has no analyser for (422) and another org's dataset (404)", async () => {
    const bad = await httpRaw(p.baseUrl, "PATCH", `/api/datasets/${datasetId}`, {
      token: a.accessToken,
      body: { keywordLanguage: "tlh" },
    });
    expect(bad.status).to.equal(422);
    expect(bad.error.code).to.equal("VALIDATION_ERROR");
    expect((await patch({ keywordLanguage: "de" }, other.accessToken)).status).to.equal(404);
    const listed = await http(p.baseUrl, "GET", `/api/datasets/${datasetId}`, { token: a.accessToken });
    expect(listed.body.keywordLanguage).to.equal(null);
  });
});
