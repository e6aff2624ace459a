/**
 * Training past one machine on NATS JetStream: rollout workers, the learner's remote rollout source, and the
 * pieces they share (connection options, tasks, segments).
 *
 * @module
 */
export { connectNats, type NatsOptions } from "./connect_nats.ts";
export { checkNatsPermission, natsFlagHelp, natsFlagOptions, natsOptionsFromFlags } from "./nats_flags.ts";
export {
  RemoteRollout,
  type RemoteRolloutOptions,
  type RemoteRolloutStats,
  shardRanges,
} from "./remote_rollout.ts";
export { type RolloutWorker, type RolloutWorkerOptions, startRolloutWorker } from "./rollout_worker.ts";
export { type CollectSegmentOptions, SegmentCollector } from "./collect_segment.ts";
export { parseRolloutTask, type RolloutTask } from "./rollout_task.ts";
export {
  decodeSegment,
  encodeSegment,
  type Segment,
  type SegmentEpisode,
  type SegmentShape,
  type SegmentTag,
} from "./segment_codec.ts";
