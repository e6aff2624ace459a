/** Formats a value for the "current value is ..." part of an error message. */
export function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object" && value !== null && "length" in value) {
    const items = Array.from(value as ArrayLike<unknown>);
    const shown = items.slice(0, 8).map((v) => String(v)).join(", ");
    return `[${shown}${items.length > 8 ? `, ... (${items.length} elements)` : ""}]`;
  }
  return String(value);
}
