/** A JSON value. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | {
  readonly [key: string]: JsonValue;
};

/**
 * Turns `value` into plain JSON the way `JSON.stringify` would (honouring `toJSON`, dropping `undefined`
 * properties), except that it refuses what JSON would silently corrupt: non-finite numbers (which become
 * `null`), functions, symbols, bigints and cycles. Numeric typed arrays become arrays. Errors name the path.
 */
export function toJsonValue(value: unknown, path: string, action: string): JsonValue {
  return convert(value, path, action, new Set());
}

function convert(value: unknown, path: string, action: string, seen: Set<object>): JsonValue {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new RangeError(`Cannot ${action} as ${path} must be a finite number: current value is ${value}`);
    }
    return value;
  }
  if (typeof value !== "object") {
    throw new TypeError(
      `Cannot ${action} as ${path} must be JSON-serialisable: current value is ${String(value)}`,
    );
  }
  if (seen.has(value)) {
    throw new TypeError(`Cannot ${action} as ${path} refers to itself: current value is a cycle`);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") return convert(toJSON.call(value), path, action, seen);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    if (value instanceof BigInt64Array || value instanceof BigUint64Array) {
      throw new TypeError(
        `Cannot ${action} as ${path} must be JSON-serialisable: current value is a ${value.constructor.name}`,
      );
    }
    return convert(Array.from(value as unknown as ArrayLike<number>), path, action, seen);
  }
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item, i) => convert(item, `${path}[${i}]`, action, seen));
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = convert(item, `${path}.${key}`, action, seen);
    }
    return out;
  } finally {
    seen.delete(value);
  }
}
