import { Acrobot } from "./acrobot.ts";
import { CartPole } from "./cart_pole.ts";
import { LunarLander, type LunarLanderOptions } from "./lunar_lander.ts";
import { MountainCar } from "./mountain_car.ts";
import { MountainCarContinuous } from "./mountain_car_continuous.ts";
import { Pendulum } from "./pendulum.ts";
import type { Env, EnvSpec } from "./types.ts";

/** Creates one environment, given the `envOptions` passed to `make`. */
export type EnvFactory = (envOptions: Readonly<Record<string, unknown>>) => Env;

/** A registered environment: how to build it and the spec `make` applies. */
export interface Registration {
  readonly factory: EnvFactory;
  readonly spec: EnvSpec;
}

function builtIn(create: () => Env): [string, Registration] {
  const spec = create().spec;
  return [spec.id, { factory: create, spec }];
}

function withOptions(create: EnvFactory): [string, Registration] {
  const spec = create({}).spec;
  return [spec.id, { factory: create, spec }];
}

/** Every id `make` knows: the classic-control environments and LunarLander, registered up front. */
export const registry: Map<string, Registration> = new Map([
  builtIn(() => new CartPole()),
  builtIn(() => new Acrobot()),
  builtIn(() => new MountainCar()),
  builtIn(() => new MountainCarContinuous()),
  builtIn(() => new Pendulum()),
  // `make`'s envOptions are the constructor's options; LunarLander checks their names and types.
  withOptions((options) => new LunarLander({ ...options, continuous: false } as LunarLanderOptions)),
  withOptions((options) => new LunarLander({ ...options, continuous: true } as LunarLanderOptions)),
]);
