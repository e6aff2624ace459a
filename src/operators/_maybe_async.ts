import { from, type Observable, of } from "rxjs";

/** Wraps a value or a promise: synchronous engines stay synchronous, asynchronous ones are awaited. */
export function maybeAsync<T>(value: T | Promise<T>): Observable<T> {
  return value instanceof Promise ? from(value) : of(value);
}
