import { acrobotFrame } from "./acrobot_frame.ts";
import { cartPoleFrame } from "./cart_pole_frame.ts";
import { lunarLanderRenderer } from "./lunar_lander_renderer.ts";
import { mountainCarFrame } from "./mountain_car_frame.ts";
import { pendulumFrame } from "./pendulum_frame.ts";
import type { Renderer } from "./types.ts";

function entry<State>(renderer: Renderer<State>): Renderer<unknown> {
  return renderer as Renderer<unknown>;
}

/** Renderers by environment id: the built-in ones, and those added with `registerRenderer`. */
export const renderers: Map<string, Renderer<unknown>> = new Map<string, Renderer<unknown>>([
  ["CartPole-v1", entry({ width: 600, height: 400, fps: 50, frame: cartPoleFrame })],
  ["Acrobot-v1", entry({ width: 500, height: 500, fps: 15, frame: acrobotFrame })],
  [
    "MountainCar-v0",
    entry<readonly number[]>({
      width: 600,
      height: 400,
      fps: 30,
      frame: (state, options) => mountainCarFrame(state, { ...options, goalPosition: 0.5 }),
    }),
  ],
  [
    "MountainCarContinuous-v0",
    entry<readonly number[]>({
      width: 600,
      height: 400,
      fps: 30,
      frame: (state, options) => mountainCarFrame(state, { ...options, goalPosition: 0.45 }),
    }),
  ],
  ["Pendulum-v1", entry({ width: 500, height: 500, fps: 30, frame: pendulumFrame })],
  ["LunarLander-v3", entry(lunarLanderRenderer)],
  ["LunarLanderContinuous-v3", entry(lunarLanderRenderer)],
]);
