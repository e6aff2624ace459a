import type { PpoConfig } from "./ppo_config.ts";

/**
 * A config as JSON stores it: every option as it is, except that a non-finite number (`maxGradNorm: Infinity`
 * turns clipping off) becomes the string `"Infinity"` or `"-Infinity"`, which JSON keeps and
 * {@linkcode configFromJson} reads back; JSON itself would write `null`, or a checkpoint refuse it.
 *
 * @param config A resolved config.
 * @returns A copy whose values JSON can hold.
 *
 * @example
 * ```ts
 * import { configToJson } from "./config_to_json.ts";
 * import { resolveConfig } from "./ppo_config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(configToJson(resolveConfig({ maxGradNorm: Infinity })).maxGradNorm, "Infinity");
 * ```
 */
export function configToJson(config: PpoConfig): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    json[key] = typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
  }
  return json;
}
