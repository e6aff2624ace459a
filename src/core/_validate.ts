/**
 * Shape and value checks shared by the reference math in this folder. Private: other folders validate with
 * their own vocabulary.
 *
 * @module
 */

/** Returns `length / width`, throwing a TypeError when `length` is not a whole number of rows. */
export function rowsOf(length: number, width: number, op: string, name: string): number {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(
      `Cannot run ${op} as the row width must be a positive integer: current value is ${width}`,
    );
  }
  const rows = length / width;
  if (!Number.isInteger(rows)) {
    throw new TypeError(
      `Cannot run ${op} as ${name} must hold a whole number of rows of ${width}: current length is ${length}`,
    );
  }
  return rows;
}

/** Throws a TypeError unless `array.length === length`. */
export function expectLength(array: ArrayLike<number>, length: number, op: string, name: string): void {
  if (array.length !== length) {
    throw new TypeError(
      `Cannot run ${op} as ${name} must have length ${length}: current length is ${array.length}`,
    );
  }
}

/** Returns `out` after checking its length, or a fresh zeroed Float64Array. */
export function outputOf(
  out: Float64Array | undefined,
  length: number,
  op: string,
  name: string,
): Float64Array {
  if (out === undefined) return new Float64Array(length);
  expectLength(out, length, op, name);
  return out;
}
