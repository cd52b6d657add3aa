/**
 * The state of a form's submission: `busy` while its call runs (the button is disabled and says
 * so), `error` for <ErrorMessage> when it failed. One per form (or per action of a component):
 *
 *     const saving = new Submission();
 *     const save = saving.submit(async () => { await call(api.PATCH(…)); });
 *     <form onsubmit={save}> … <ErrorMessage error={saving.error} /> <button disabled={saving.busy}>
 */
export class Submission {
  busy = $state(false);
  error: unknown = $state(null);

  /**
   * Runs `work` with `busy` set and the previous error cleared; a throw becomes `error`. Resolves
   * true when `work` succeeded, false when it failed (the error is then on screen).
   */
  async run(work: () => Promise<unknown> | unknown): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await work();
      return true;
    } catch (err) {
      this.error = err;
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** A submit handler: prevents the browser's own submission, then runs `work`. */
  submit(work: () => Promise<unknown> | unknown): (e: SubmitEvent) => Promise<boolean> {
    return (e) => {
      e.preventDefault();
      return this.run(work);
    };
  }

  /** Forgets a shown error (a form closed, a step went back). */
  reset(): void {
    this.error = null;
  }
}
