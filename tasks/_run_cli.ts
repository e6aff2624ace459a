/**
 * Runs a task's `main` and exits with its status; an error becomes one `ppo-flow: Name: message` line and
 * status 1 instead of a stack trace, since task errors name the option or file at fault.
 *
 * @param main The task, returning its exit status.
 * @param args Its arguments. @default {Deno.args}
 */
export async function runCli(
  main: (args: string[]) => Promise<number>,
  args: string[] = Deno.args,
): Promise<never> {
  try {
    Deno.exit(await main(args));
  } catch (error) {
    console.error(`ppo-flow: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    Deno.exit(1);
  }
}
