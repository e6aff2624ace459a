import { DEFAULT_CONFIG, NULLABLE_OPTIONS, type PpoConfig } from "./ppo_config.ts";

/**
 * Reads a config written by `configToJson` (a run's `config.json`, a checkpoint's metadata) or by hand (`--config`):
 * in a numeric option, the strings `"Infinity"` and `"-Infinity"` become the numbers. Everything else is left for
 * `resolveConfig` to validate.
 *
 * @param value The parsed JSON object.
 * @returns Config overrides.
 * @throws {TypeError} When `value` is not a JSON object.
 *
 * @example
 * ```ts
 * import { configFromJson } from "./config_from_json.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(configFromJson(JSON.parse('{"maxGradNorm": "Infinity"}')).maxGradNorm, Infinity);
 * ```
 */
export function configFromJson(value: unknown): Partial<PpoConfig> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `Cannot read a config as it must be a JSON object: current value is ${JSON.stringify(value)}`,
    );
  }
  const config: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const numeric = typeof DEFAULT_CONFIG[key as keyof PpoConfig] === "number" || NULLABLE_OPTIONS.has(key);
    config[key] = numeric && (item === "Infinity" || item === "-Infinity") ? Number(item) : item;
  }
  return config as Partial<PpoConfig>;
}
