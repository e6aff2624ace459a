/**
 * The messages between the training page and its Web Worker (`_training_worker.ts`): the page asks, the worker
 * trains, plays and answers. Everything here is structured-cloneable.
 *
 * @module
 */
import type { IterationMetrics } from "../operators/types.ts";
import type { BrowserEngineChoice } from "./browser_policy.ts";

/** What the page asks of the worker. */
export type PageMessage =
  | {
    readonly type: "train";
    readonly envId: string;
    readonly engine: BrowserEngineChoice;
    readonly seed: number;
    /** Apply the environment's preset; false trains with CleanRL's settings. */
    readonly usePreset: boolean;
    /** Overrides the preset's (or CleanRL's) budget when given. */
    readonly totalTimesteps?: number;
  }
  | { readonly type: "stop" }
  /** Play the latest checkpoint (the run's, or a loaded one) greedily until `stopPlay`. */
  | { readonly type: "play" }
  | { readonly type: "stopPlay" }
  /** Answer with the latest checkpoint's bytes. */
  | { readonly type: "download" }
  /** Check a checkpoint file and keep it as the latest. */
  | { readonly type: "load"; readonly name: string; readonly bytes: ArrayBuffer };

/** What the worker tells the page. */
export type WorkerMessage =
  | {
    readonly type: "started";
    readonly envId: string;
    readonly engine: string;
    readonly reason: string;
    readonly totalTimesteps: number;
    readonly numEnvs: number;
    readonly numSteps: number;
  }
  | {
    readonly type: "iteration";
    readonly metrics: IterationMetrics;
    readonly meanReturn100: number | null;
    readonly episodes: number;
  }
  | { readonly type: "frame"; readonly svg: string }
  | {
    readonly type: "done";
    readonly stopped: boolean;
    readonly globalStep: number;
    readonly meanReturn100: number | null;
  }
  | {
    readonly type: "played";
    readonly svg: string;
    readonly episodeReturn: number;
    readonly episodeLength: number;
    readonly ended: boolean;
  }
  | { readonly type: "checkpoint"; readonly name: string; readonly bytes: ArrayBuffer }
  | { readonly type: "loaded"; readonly name: string; readonly envId: string }
  | { readonly type: "error"; readonly message: string };
