import { ENGINES } from "../model/engines.ts";

/**
 * Help lines for the engine table `ENGINES`: every engine, what it is, and when `--engine auto` picks it.
 *
 * @returns The lines, a heading first.
 *
 * @example
 * ```ts
 * import { engineHelp } from "./engine_help.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(engineHelp().some((line) => line.trimStart().startsWith("reference")));
 * ```
 */
export function engineHelp(): string[] {
  return [
    "Engines (--engine <name>; auto takes the first, in this order, whose condition holds):",
    ...Object.entries(ENGINES).flatMap(([name, entry]) => [
      `  ${name.padEnd(12)}${entry.help}`,
      `  ${"".padEnd(12)}auto: ${entry.auto}`,
    ]),
  ];
}
