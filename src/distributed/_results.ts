/**
 * How a segment travels: inline in its result message when it fits under the server's max payload, else in the
 * Object Store with a reference in the message. The first byte says which.
 *
 * @module
 */
import type { BlobRef, JetStreamResources } from "./_jetstream.ts";
import type { RolloutTask } from "./rollout_task.ts";

const INLINE = 0;
const STORED = 1;

/** Publishes a task's encoded segment and waits until JetStream has stored it. */
export async function publishResult(
  resources: JetStreamResources,
  task: RolloutTask,
  segment: Uint8Array,
): Promise<void> {
  const id = `${task.run}.${task.iteration}.${task.policyVersion}.${task.shard}`;
  let payload: Uint8Array;
  if (segment.length + 1 <= resources.nc.info!.max_payload - 4096) {
    payload = new Uint8Array(segment.length + 1);
    payload[0] = INLINE;
    payload.set(segment, 1);
  } else {
    const ref = await resources.putBlob(`segment.${id}.${task.attempt}`, segment);
    const json = new TextEncoder().encode(JSON.stringify(ref));
    payload = new Uint8Array(json.length + 1);
    payload[0] = STORED;
    payload.set(json, 1);
  }
  // The id deduplicates a redelivered task's identical result within JetStream's duplicate window.
  await resources.js.publish(task.resultSubject, payload, { msgID: id });
}

/** The largest stored segment a learner fetches (a hostile reference cannot make it read more). */
const MAX_STORED_SEGMENT = 512 * 1024 * 1024;

/**
 * Reads a result message's segment bytes (fetching a stored one).
 *
 * @returns The bytes, and the reference to delete once the segment is used (null for an inline one).
 * @throws {TypeError} When the message is neither form.
 */
export async function readResult(
  resources: JetStreamResources,
  payload: Uint8Array,
): Promise<{ bytes: Uint8Array; ref: BlobRef | null }> {
  if (payload[0] === INLINE) return { bytes: payload.subarray(1), ref: null };
  if (payload[0] !== STORED) {
    throw new TypeError(
      `Cannot accept rollout result as its first byte must be 0 or 1: current value is ${payload[0]}`,
    );
  }
  let ref: BlobRef;
  try {
    ref = JSON.parse(new TextDecoder().decode(payload.subarray(1)));
  } catch {
    throw new TypeError("Cannot accept rollout result as its segment reference is not JSON");
  }
  if (
    typeof ref !== "object" || ref === null || ref.store !== "obj" || typeof ref.key !== "string" ||
    !ref.key.startsWith("segment.") || !Number.isSafeInteger(ref.bytes) || ref.bytes > MAX_STORED_SEGMENT
  ) {
    throw new TypeError(
      `Cannot accept rollout result as its segment reference is malformed or too large: current value is ${
        JSON.stringify(ref).slice(0, 80)
      }`,
    );
  }
  return { bytes: await resources.getBlob(ref), ref };
}
