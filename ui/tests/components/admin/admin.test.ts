import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import RoleSelect from "../../../src/lib/components/admin/RoleSelect.svelte";

describe("RoleSelect", () => {
  it("offers roles up to the caller's own", () => {
    render(RoleSelect, { id: "r", label: "Role", value: "viewer", max: "admin" });
    const options = [...(screen.getByLabelText("Role") as HTMLSelectElement).options].map((o) => o.value);
    expect(options).toEqual(["viewer", "analyst", "admin"]);
  });
});
