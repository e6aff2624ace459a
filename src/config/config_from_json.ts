import { DEFAULT_CONFIG, NULLABLE_OPTIONS, type PpoConfig } from "./ppo_config.ts";
import {
  BACKEND_CHOICES,
  type BackendChoice,
  engineFor,
  type EngineName,
  ENGINES,
} from "../model/engines.ts";

/**
 * Reads a config written by `configToJson` (a run's `config.json`, a checkpoint's metadata) or by hand (`--config`):
 * in a numeric option, the strings `"Infinity"` and `"-Infinity"` become the numbers. A config written before
 * engines and gpu.js backends had their own options holds `backend` only, naming an engine (`"wasm"`,
 * `"reference"`, `"threaded"`, `"auto"`) or a gpu.js backend (`"cpu"`, `"webasm"`, `"webgpu"`): it becomes
 * `engine`, or `engine: "gpujs"` with that `backend`. Everything else is left for `resolveConfig` to validate.
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
 * assert.deepEqual(configFromJson(JSON.parse('{"backend": "webasm"}')), { engine: "gpujs", backend: "webasm" });
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
  if (!("engine" in config)) Object.assign(config, legacyEngine(config.backend));
  return config as Partial<PpoConfig>;
}

/** A config without `engine`: its `backend`, when it names an engine or a gpu.js backend, as both options. */
function legacyEngine(backend: unknown): Partial<PpoConfig> {
  if (typeof backend !== "string" || backend === "auto") return {};
  if (Object.hasOwn(ENGINES, backend)) return { engine: backend as EngineName, backend: "auto" };
  // Anything else is left for resolveConfig to name.
  if (!BACKEND_CHOICES.includes(backend as BackendChoice)) return {};
  return {
    engine: engineFor("auto", backend as BackendChoice, "read a config"),
    backend: backend as BackendChoice,
  };
}
