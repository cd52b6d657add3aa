import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import ImportStatus from "../src/lib/components/ImportStatus.svelte";

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
