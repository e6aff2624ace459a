/** One line of `metrics.jsonl`: `global_step`, `iteration` and CleanRL's keys; `null` where a value was not finite. */
export type MetricsRecord = Readonly<Record<string, number | null>>;

/**
 * Reads a run's `metrics.jsonl` (one JSON object per iteration, as `train()` writes it).
 *
 * @param path A run directory (`runs/<name>`) or a `.jsonl` file.
 * @returns The records in file order; a torn last line (a run killed mid-write) is left out.
 * @throws {Deno.errors.NotFound} When there is no metrics file.
 * @throws {TypeError} When a line other than the last is not a JSON object with a numeric `global_step`.
 *
 * @example
 * ```ts ignore
 * const records = await readMetrics("runs/CartPole-v1__ppo__1__1700000000");
 * console.log(records.at(-1)?.["charts/episodic_return"]);
 * ```
 */
export async function readMetrics(path: string): Promise<MetricsRecord[]> {
  const file = path.endsWith(".jsonl") ? path : `${path.replace(/\/+$/, "")}/metrics.jsonl`;
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(
        `Cannot read metrics as ${file} does not exist: current value is ${path}`,
      );
    }
    throw error;
  }
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const records: MetricsRecord[] = [];
  for (const [i, line] of lines.entries()) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) break;
      throw new TypeError(
        `Cannot read metrics as line ${i + 1} of ${file} is not JSON: current value is ${line}`,
      );
    }
    if (
      typeof record !== "object" || record === null ||
      typeof (record as Record<string, unknown>).global_step !== "number"
    ) {
      throw new TypeError(
        `Cannot read metrics as line ${
          i + 1
        } of ${file} has no numeric global_step: current value is ${line}`,
      );
    }
    records.push(record as MetricsRecord);
  }
  return records;
}
