import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Invitations from "../../../src/lib/components/admin/Invitations.svelte";
import RoleSelect from "../../../src/lib/components/admin/RoleSelect.svelte";
import { fakeApi, json } from "../../fake-api";

const api = fakeApi();

describe("RoleSelect", () => {
  it("offers roles up to the caller's own", () => {
    render(RoleSelect, { id: "r", label: "Role", value: "viewer", max: "admin" });
    const options = [...(screen.getByLabelText("Role") as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(["viewer", "analyst", "admin"]);
  });
});

describe("Invitations", () => {
  const invitation = (id: string, email: string) => ({
    id,
    orgId: "o1",
    email,
    role: "viewer" as const,
    expiresAt: "2999-01-01T00:00:00Z",
    acceptedAt: null,
    createdAt: "2026-01-01T00:00:00Z",
  });

  it("lists the invitations the page's load read, and reads them again after inviting someone", async () => {
    api.answer = (req) =>
      req.method === "POST"
        ? json(201, { invitation: invitation("i2", "bo@example.com"), token: "tok" })
        : json(200, { items: [invitation("i2", "bo@example.com"), invitation("i1", "al@example.com")] });
    render(Invitations, { invitations: [invitation("i1", "al@example.com")] });
    expect(screen.getByText("al@example.com")).toBeTruthy();
    expect(api.requests).toEqual([]);

    await fireEvent.input(screen.getByLabelText("E-mail address"), { target: { value: " bo@example.com " } });
    await fireEvent.submit(screen.getByRole("form", { name: "Invite a member" }));
    await waitFor(() => expect(screen.getAllByText("bo@example.com").length).toBeGreaterThan(0));
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /api/auth/invitations",
      "GET /api/auth/invitations",
    ]);
    expect(api.requests[0]!.body).toEqual({ email: "bo@example.com", role: "viewer" });
    expect(screen.getByRole("status").textContent).toContain("invitations/accept?token=tok");
  });

  it("shows the load's failure in place of the list", () => {
    render(Invitations, { invitations: null, error: { error: { code: "FORBIDDEN", message: "Not yours" } } });
    expect(screen.getByRole("alert").textContent).toContain("Not yours");
    expect(screen.getByText("No invitations yet.")).toBeTruthy();
  });
});
