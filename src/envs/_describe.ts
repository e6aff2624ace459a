/** Formats a value for the "current value is ..." part of an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null) {
    if ("length" in value) {
      const items = Array.from(value as ArrayLike<unknown>);
      const shown = items.slice(0, 8).map((v) => String(v)).join(", ");
      return `[${shown}${items.length > 8 ? `, ... (${items.length} elements)` : ""}]`;
    }
    try {
      const json = JSON.stringify(value);
      return json.length > 120 ? `${json.slice(0, 117)}...` : json;
    } catch {
      return String(value);
    }
  }
  return String(value);
}
