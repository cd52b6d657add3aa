import { afterEach, describe, expect, it, vi } from "vitest";
import { Live } from "../../src/lib/api/live.svelte";
import { Submission } from "../../src/lib/forms/submission.svelte";

/** A promise the test settles by hand. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Submission (a form's busy flag and error)", () => {
  it("is busy while its work runs and clears an earlier error when it starts again", async () => {
    const form = new Submission();
    expect(await form.run(() => Promise.reject(new Error("refused")))).toBe(false);
    expect(form.error).toBeInstanceOf(Error);

    const work = deferred<void>();
    const running = form.run(() => work.promise);
    expect(form.busy).toBe(true);
    expect(form.error).toBeNull();
    work.resolve();
    expect(await running).toBe(true);
    expect(form.busy).toBe(false);
    expect(form.error).toBeNull();
  });

  it("keeps what the work threw, and is no longer busy", async () => {
    const form = new Submission();
    const err = new Error("boom");
    expect(
      await form.run(() => {
        throw err;
      }),
    ).toBe(false);
    expect(form.error).toBe(err);
    expect(form.busy).toBe(false);
    form.reset();
    expect(form.error).toBeNull();
  });

  it("as a submit handler, stops the browser's own submission", async () => {
    const form = new Submission();
    const work = vi.fn(async () => {});
    const event = new Event("submit", { cancelable: true }) as SubmitEvent;
    expect(await form.submit(work)(event)).toBe(true);
    expect(event.defaultPrevented).toBe(true);
    expect(work).toHaveBeenCalledOnce();
  });
});

describe("Live (the load's answer, read again)", () => {
  afterEach(() => vi.useRealTimers());

  it("shows the load's answer until a re-read brings a newer one", async () => {
    const page = { initial: { n: 1 } };
    const live = new Live(
      () => page.initial,
      async () => ({ n: 2 }),
    );
    expect(live.value).toEqual({ n: 1 });
    expect(await live.refresh()).toBe(true);
    expect(live.value).toEqual({ n: 2 });
  });

  it("gives way to the load's next answer: a re-read belongs to the answer it superseded", async () => {
    const page = { initial: { n: 1 } };
    const live = new Live(
      () => page.initial,
      async () => ({ n: 2 }),
    );
    await live.refresh();
    page.initial = { n: 3 };
    expect(live.value).toEqual({ n: 3 });
  });

  it("keeps a failed re-read's error and the last good value", async () => {
    const live = new Live(
      () => "loaded",
      () => Promise.reject(new Error("down")),
    );
    expect(await live.refresh()).toBe(false);
    expect(live.value).toBe("loaded");
    expect(live.error).toBeInstanceOf(Error);
    expect(live.loading).toBe(false);
  });

  it("lets only the last of overlapping re-reads count (filters changed quickly)", async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let i = 0;
    const live = new Live(
      () => "loaded",
      () => answers[i++]!.promise,
    );
    const first = live.refresh();
    const second = live.refresh();
    answers[1]!.resolve("second");
    await second;
    answers[0]!.resolve("first (late)");
    expect(await first).toBe(false);
    expect(live.value).toBe("second");
  });

  it("a value the page sets itself wins over a re-read already under way", async () => {
    const answer = deferred<string>();
    const live = new Live(
      () => "loaded",
      () => answer.promise,
    );
    const reading = live.refresh();
    live.value = "set";
    answer.resolve("read");
    await reading;
    expect(live.value).toBe("set");
  });

  it("follows until done, then stops reading", async () => {
    vi.useFakeTimers();
    let n = 0;
    const live = new Live(
      () => 0,
      async () => ++n,
    );
    const stop = live.follow(1000, (v) => v >= 3);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(n).toBe(3);
    expect(live.value).toBe(3);
    stop();
  });

  it("stops following when told to (the component went away)", async () => {
    vi.useFakeTimers();
    let n = 0;
    const live = new Live(
      () => 0,
      async () => ++n,
    );
    const stop = live.follow(1000, () => false);
    await vi.advanceTimersByTimeAsync(1500);
    stop();
    const seen = n;
    await vi.advanceTimersByTimeAsync(5000);
    expect(n).toBe(seen);
  });
});
