import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import PasswordField from "../../../src/lib/components/auth/PasswordField.svelte";
import OAuthButtons from "../../../src/lib/components/auth/OAuthButtons.svelte";
import RecoveryCodes from "../../../src/lib/components/auth/RecoveryCodes.svelte";

describe("OAuthButtons", () => {
  it("shows one button per configured provider, linking to where its log-in starts", () => {
    render(OAuthButtons, { providers: [{ id: "github", name: "GitHub", startUrl: "/api/auth/oauth/github" }] });
    const links = screen.getAllByRole("link");
    expect(links.map((a) => a.textContent)).toEqual(["Continue with GitHub"]);
    expect(links[0].getAttribute("href")).toBe("/api/auth/oauth/github");
    // A full-page navigation: the gateway, not the client-side router, handles the OAuth start.
    expect(links[0].hasAttribute("data-sveltekit-reload")).toBe(true);
  });
  it("shows nothing when none is configured", () => {
    const { container } = render(OAuthButtons, { providers: [] });
    expect(container.querySelector("a")).toBeNull();
    expect(container.textContent?.trim()).toBe("");
  });
});

describe("RecoveryCodes", () => {
  it("lists every recovery code with a download", () => {
    render(RecoveryCodes, { codes: ["aaaa-bbbb", "cccc-dddd"] });
    expect(screen.getAllByRole("listitem").map((l) => l.textContent)).toEqual(["aaaa-bbbb", "cccc-dddd"]);
    expect(screen.getByRole("link", { name: "Download" }).getAttribute("download")).toBe("chatlens-recovery-codes.txt");
  });
});

describe("PasswordField", () => {
  it("labels a password input with its hint and tells password managers what it is", () => {
    render(PasswordField, {
      id: "pw",
      label: "Password",
      hint: "— at least 10 characters",
      autocomplete: "new-password",
      minlength: 10,
    });
    const input = screen.getByLabelText("Password — at least 10 characters") as HTMLInputElement;
    expect(input.type).toBe("password");
    expect(input.getAttribute("autocomplete")).toBe("new-password");
    expect(input.getAttribute("name")).toBe("pw");
    expect(input.required).toBe(true);
    expect(input.minLength).toBe(10);
    expect(input.getAttribute("aria-invalid")).toBe(null);
  });
  it("shows its error under the input and marks it invalid", () => {
    render(PasswordField, {
      id: "pw",
      label: "Password",
      autocomplete: "current-password",
      error: "That is not this account's password.",
    });
    const input = screen.getByLabelText("Password");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(input.getAttribute("aria-describedby")!)?.textContent).toBe(
      "That is not this account's password.",
    );
  });
});
