import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Dataset } from "../../../src/lib/api/models";
import DatasetDetailsForm from "../../../src/lib/components/datasets/DatasetDetailsForm.svelte";
import ImportStatus from "../../../src/lib/components/datasets/ImportStatus.svelte";
import { fakeApi, json } from "../../fake-api";

const api = fakeApi();

describe("ImportStatus", () => {
  it("reports a finished import with its counts and readable warnings", async () => {
    render(ImportStatus, {
      job: {
        id: "i1",
        datasetId: "d1",
        format: "whatsapp",
        filename: "chat.txt",
        status: "completed",
        bytesTotal: 100,
        bytesRead: 100,
        messagesRead: 12,
        messagesAdded: 10,
        createdBy: null,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        options: null,
        summary: {
          format: "whatsapp",
          messagesRead: 12,
          messagesAdded: 10,
          messagesByKind: { text: 12 },
          conversations: 1,
          conversationsAdded: 1,
          participants: 3,
          participantsAdded: 3,
          firstMessageAt: null,
          lastMessageAt: null,
          skipped: 1,
          warningCount: 1,
          warnings: [{ code: "UNPARSED_LINE", message: "Line could not be read", line: 7 }],
          bytesRead: 2048,
          durationMs: 40,
        },
      },
    });
    expect(screen.getByTestId("messages-added").textContent).toBe("10 messages added");
    await fireEvent.click(screen.getByRole("button", { name: /1 warning/ }));
    expect(screen.getByText(/Line could not be read/)).toBeTruthy();
  });

  it("shows a failed import's error in plain language", () => {
    render(ImportStatus, {
      job: {
        id: "i2",
        datasetId: "d1",
        format: null,
        filename: "photo.jpg",
        status: "failed",
        bytesTotal: 5,
        bytesRead: 5,
        messagesRead: 0,
        messagesAdded: 0,
        createdBy: null,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        options: null,
        summary: null,
        error: { code: "NOT_A_CHAT", message: "not a chat" },
      },
    });
    expect(screen.getByRole("alert").textContent).toMatch(/does not look like a chat export/);
  });
});

describe("ImportStatus: following a running import", () => {
  it("reads it again until it ends, then says so once", async () => {
    const job = {
      id: "i9",
      datasetId: "d1",
      format: "whatsapp",
      filename: "chat.txt",
      status: "running" as const,
      bytesTotal: 100,
      bytesRead: 10,
      messagesRead: 1,
      messagesAdded: 0,
      createdBy: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
      options: null,
      summary: null,
    };
    let reads = 0;
    api.answer = () =>
      json(200, ++reads < 2 ? { ...job, bytesRead: 50 } : { ...job, status: "completed", messagesAdded: 7 });
    const onfinished = vi.fn();
    render(ImportStatus, { job, onfinished });
    expect(screen.getByRole("progressbar")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("messages-added").textContent).toBe("7 messages added"), {
      timeout: 3000,
    });
    expect(onfinished).toHaveBeenCalledOnce();
    expect(onfinished.mock.calls[0]![0]).toMatchObject({ id: "i9", status: "completed" });
    expect(new Set(api.requests.map((r) => r.path))).toEqual(new Set(["/api/imports/i9"]));
    const seen = api.requests.length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(api.requests.length).toBe(seen);
  });
});

// Issue 14 point 3: after each import the dataset page says what was recognised.
describe("ImportStatus: import report", () => {
  it("lists messages, participants, notices, media, duplicates, merges and warnings with their lines", async () => {
    render(ImportStatus, {
      job: {
        id: "i1",
        datasetId: "d1",
        format: "whatsapp",
        filename: "chat-export-2024-06.txt",
        status: "completed",
        bytesTotal: 100,
        bytesRead: 100,
        messagesRead: 30,
        messagesAdded: 20,
        createdBy: null,
        createdAt: new Date().toISOString(),
        finishedAt: null,
        error: null,
        options: null,
        summary: {
          format: "whatsapp",
          messagesRead: 30,
          messagesAdded: 20,
          messagesByKind: { text: 26, system: 1, media: 3 },
          systemNotices: 1,
          mediaMessages: 3,
          duplicatesSkipped: 0,
          duplicatesMerged: 10,
          merged: [{ from: "chat-export-2024-06", into: "Family", duplicates: 10, moved: 20 }],
          conversations: 1,
          conversationsAdded: 0,
          participants: 3,
          participantsAdded: 0,
          firstMessageAt: null,
          lastMessageAt: null,
          skipped: 1,
          warningCount: 1,
          warnings: [{ code: "ORPHAN_LINE", message: "Line before the first message", line: 1 }],
          bytesRead: 2048,
          durationMs: 40,
        },
      },
    });
    const report = screen.getByTestId("import-report").textContent ?? "";
    expect(report).toContain("30 messages recognised");
    expect(report).toContain("3 participants");
    expect(report).toContain("1 system notice");
    expect(report).toContain("3 media messages");
    expect(report).toContain("10 duplicates merged");
    expect(report).toContain("1 line skipped");
    expect(screen.getByTestId("import-merged").textContent).toContain("merged into it");
    await fireEvent.click(screen.getByRole("button", { name: /1 warning/ }));
    expect(screen.getByText(/line 1/).textContent).toBe("line 1");
  });
});

const DATASET: Dataset = {
  id: "d1",
  name: "Team chats",
  description: "",
  modelId: "minilm",
  pinnedVersion: null,
  keywordLanguage: null,
  createdBy: null,
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
  messageCount: 29,
  conversationCount: 2,
  participantCount: 4,
  firstMessageAt: null,
  lastMessageAt: null,
};

describe("DatasetDetailsForm", () => {
  it("asks for a name before saving and says which field is wrong", async () => {
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    const name = screen.getByLabelText("Name");
    await fireEvent.input(name, { target: { value: "   " } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect(screen.getByText("Give the dataset a name.")).toBeTruthy();
    expect(name.getAttribute("aria-invalid")).toBe("true");
    expect(name.getAttribute("aria-describedby")).toBe("dataset-name-error");
    expect(api.requests).toEqual([]);
    expect(onsaved).not.toHaveBeenCalled();
  });

  it("saves a trimmed name and description with PATCH and hands back the updated dataset", async () => {
    const updated = { ...DATASET, name: "Family chats", description: "Since 2019" };
    api.answer = () => json(200, updated);
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    await fireEvent.input(screen.getByLabelText("Name"), { target: { value: "  Family chats " } });
    await fireEvent.input(screen.getByLabelText(/Description/), { target: { value: "Since 2019" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onsaved).toHaveBeenCalledWith(updated));
    expect(api.requests).toEqual([
      { method: "PATCH", path: "/api/datasets/d1", body: { name: "Family chats", description: "Since 2019" } },
    ]);
  });

  it("sends the keyword language only when it was changed, null for the platform default", async () => {
    api.answer = () => json(200, { ...DATASET, keywordLanguage: "de" });
    const onsaved = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved, oncancel: vi.fn() });
    const language = screen.getByLabelText("Language of keyword search") as HTMLSelectElement;
    expect(language.value).toBe("");
    await fireEvent.change(language, { target: { value: "de" } });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(onsaved).toHaveBeenCalled());
    expect(api.requests[0]!.body).toEqual({ name: "Team chats", description: "", keywordLanguage: "de" });
  });

  it("shows the server's validation error next to its field, in plain words", async () => {
    api.answer = () =>
      json(422, {
        error: {
          code: "VALIDATION_ERROR",
          message: "Parameters validation error!",
          data: [
            {
              type: "stringMax",
              field: "description",
              message: "The 'description' field length must be less than or equal to 2000 characters long.",
            },
          ],
        },
      });
    render(DatasetDetailsForm, { dataset: DATASET, onsaved: vi.fn(), oncancel: vi.fn() });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await screen.findByText(/Keep the description to 2,000 characters or fewer/);
    expect(screen.getByLabelText(/Description/).getAttribute("aria-invalid")).toBe("true");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("reports any other failure as an alert and can be cancelled", async () => {
    api.answer = () => json(403, { error: { code: "FORBIDDEN", message: "Your role does not allow datasets.write" } });
    const oncancel = vi.fn();
    render(DatasetDetailsForm, { dataset: DATASET, onsaved: vi.fn(), oncancel });
    await fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/does not allow datasets\.write/);
    await fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(oncancel).toHaveBeenCalledOnce();
  });
});
