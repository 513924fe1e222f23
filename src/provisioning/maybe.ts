/**
 * A value the request path has at once or after a round trip: on SQLite a fetch answered from the
 * render cache runs without a promise from request to response (bench:hit); a render, a write, or
 * any read on PostgreSQL makes the rest of the request wait for it.
 */
export type Maybe<T> = T | Promise<T>;

/** `next(value)`, at once when the value is there, once it has settled when it is a promise. */
export function andThen<T, U>(value: Maybe<T>, next: (value: T) => Maybe<U>): Maybe<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
