/** Runs async jobs one at a time, in the order given: the API's writes to facts and store. */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const next = this.#tail.then(job, job);
    // The chain must survive a failed job; the caller still sees the failure.
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Resolves once every job queued so far has settled. */
  idle(): Promise<void> {
    return this.#tail.then(() => undefined);
  }
}
