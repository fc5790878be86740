/**
 * Read coalescing for hot GET routes: callers that arrive while a read is running share the
 * *next* read, which starts once the running one ends — so under concurrency the town is read
 * once per batch of requests rather than once per request, and a client still sees every
 * write that finished before its request arrived (the read it gets starts after it came).
 */
export class SharedRead<T> {
  readonly #read: () => Promise<T>;
  #running: Promise<T> | undefined;
  #next: Promise<T> | undefined;

  constructor(read: () => Promise<T>) {
    this.#read = read;
  }

  /** The result of a read that starts no earlier than this call. */
  get(): Promise<T> {
    if (!this.#running) return this.#start();
    this.#next ??= this.#running.then(() => {}, () => {}).then(() => {
      this.#next = undefined;
      return this.#start();
    });
    return this.#next;
  }

  #start(): Promise<T> {
    const p = this.#read();
    this.#running = p;
    const clear = () => {
      if (this.#running === p) this.#running = undefined;
    };
    p.then(clear, clear);
    return p;
  }
}
