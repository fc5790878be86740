/**
 * Repositories whose module loads on their first call. The commands agents run in every round
 * use a handful of repositories; loading the modules of the others (snapshots, migration,
 * missions, ...) was most of the store's share of their start-up time (see src/lazy.ts).
 */

/** The methods of T. */
type Methods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K];
};

/** The other members of T (plain values), which a stand-in is given up front. */
export type Fields<T> = Omit<T, keyof Methods<T>>;

/** Methods that all return a promise: the only kind a stand-in can forward before loading. */
type AsyncOnly<T> = {
  [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? T[K] : never;
};

/**
 * A stand-in for the repository `load` makes: each method call loads it (once), then calls it;
 * `fields`, the repository's plain values, are there at once. It is not a thenable, so
 * `await store.x` is the stand-in itself, as with a plain repository.
 */
export function deferred<T extends AsyncOnly<Methods<T>>>(
  load: () => Promise<T>,
  ...[fields]: keyof Fields<T> extends never ? [] : [Fields<T>]
): T {
  let loading: Promise<T> | undefined;
  const values: Record<string, unknown> = fields ?? {};
  return new Proxy({} as T, {
    get(_target, name) {
      if (typeof name !== "string" || name === "then") return undefined;
      if (Object.hasOwn(values, name)) return values[name];
      return (...args: unknown[]) =>
        (loading ??= load()).then((repo) => {
          const method = repo[name as keyof T] as (...a: unknown[]) => Promise<unknown>;
          return method.apply(repo, args);
        });
    },
  });
}
