/**
 * The task handlers of one local execution that are still running. aws-local-stepfunctions rejects an aborted
 * execution at once, while a handler may still be waiting for its process (the host runner in its exit trap,
 * FFmpeg packaging): the executor waits for them before it reports the abort, so that whoever cleans up after it
 * (the worker removes the job's work folder) does so after the last process that could write there.
 */
export class Inflight {
  private readonly running = new Set<Promise<unknown>>();

  /** The same handlers, each call tracked until it settles. */
  public wrap<H extends Record<string, (task: unknown) => Promise<unknown>>>(handlers: H): H {
    const wrapped: Record<string, (task: unknown) => Promise<unknown>> = {};
    for (const [name, fn] of Object.entries(handlers)) {
      wrapped[name] = (task) => {
        const p = fn(task);
        this.running.add(p);
        const forget = () => this.running.delete(p);
        p.then(forget, forget);
        return p;
      };
    }
    return wrapped as H;
  }

  /** Resolves with `value` once every tracked call has settled (each one's own error is its caller's). */
  public async after<T>(value: T): Promise<T> {
    await Promise.allSettled([...this.running]);
    return value;
  }
}
