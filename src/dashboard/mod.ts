/**
 * The live training dashboard: a local web page that charts a run's metrics and shows env 0 playing while it
 * trains, fed by server-sent events.
 *
 * @example
 * ```ts ignore
 * import { train } from "@ppo-flow/ppo-flow";
 * import { serveDashboard } from "@ppo-flow/ppo-flow/dashboard";
 *
 * const run = await train({ envId: "CartPole-v1" });
 * const dashboard = serveDashboard(run, { port: 8080 });
 * console.log(`open ${dashboard.url}`);
 * await run.done;
 * await dashboard.close();
 * ```
 *
 * @module
 */
export {
  type Dashboard,
  type DashboardOptions,
  type DashboardRun,
  serveDashboard,
} from "./serve_dashboard.ts";
