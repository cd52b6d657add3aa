import { expect } from "chai";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform } from "./fixtures.ts";

describe("auth: profiles", function () {
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform();
  });
  after(async () => p?.stop());

  it("a user edits display name, avatar URL, locale (canonicalised) and time zone", async () => {
    const a = await signUp(p);
    const res = await http(p.baseUrl, "PATCH", "/api/auth/me", {
      token: a.accessToken,
      body: {
        displayName: "Ada",
        avatarUrl: "https://example.test/ada.png",
        locale: "de-ch",
        timeZone: "Europe/Zurich",
      },
    });
    expect(res.status).to.equal(200);
    expect(res.body.user).to.include({
      displayName: "Ada",
      avatarUrl: "https://example.test/ada.png",
      locale: "de-CH",
      timeZone: "Europe/Zurich",
    });
    const me = await http(p.baseUrl, "GET", "/api/auth/me", { token: a.accessToken });
    expect(me.body.user.locale).to.equal("de-CH");
    const cleared = await http(p.baseUrl, "PATCH", "/api/auth/me", { token: a.accessToken, body: { avatarUrl: null } });
    expect(cleared.body.user.avatarUrl).to.equal(null);
  });

  it("members' profiles are visible to the org in the member list", async () => {
    const a = await signUp(p);
    await http(p.baseUrl, "PATCH", "/api/auth/me", { token: a.accessToken, body: { displayName: "Grace" } });
    const members = await http(p.baseUrl, "GET", "/api/auth/members", { token: a.accessToken });
    expect(members.body.items[0]).to.include({ displayName: "Grace", role: "owner" });
  });
});
