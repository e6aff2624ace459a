/**
 * The JetStream resources the learner, workers and sweeps share: stream and subject names, and blobs (policy
 * weights, large segments) kept in a KV bucket or, above the server's max payload, in the Object Store.
 *
 * @module
 */
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { type ObjectStore, Objm } from "@nats-io/obj";
import type { NatsConnection } from "@nats-io/transport-node";
import { crc32c } from "../io/crc32c.ts";

/** Rollout tasks: a work queue, one message per shard and iteration. */
export const TASK_STREAM = "PPOFLOW_TASKS";
/** Segments returned by workers, one subject per run. */
export const RESULT_STREAM = "PPOFLOW_RESULTS";
/** Sweep trials: a work queue. */
export const TRIAL_STREAM = "PPOFLOW_TRIALS";
/** Sweep trials' metrics and ends, one subject per sweep. */
export const TRIAL_EVENT_STREAM = "PPOFLOW_TRIAL_EVENTS";
/** The durable consumer every rollout worker pulls tasks from. */
export const TASK_CONSUMER = "rollout-workers";
/** The durable consumer every worker pulls sweep trials from. */
export const TRIAL_CONSUMER = "trial-workers";
const WEIGHTS_BUCKET = "ppoflow-weights";
const BLOB_STORE = "ppoflow-blobs";
const HOUR_NS = 3600 * 1e9;

/** The subject of a run's tasks. */
export function taskSubject(run: string): string {
  return `ppoflow.task.${run}`;
}

/** The subject of a run's results. */
export function resultSubject(run: string): string {
  return `ppoflow.result.${run}`;
}

/** A run id as a subject token and key part: letters, digits, `-` and `_`, at most 64 characters. */
export function checkRunId(run: string): string {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(run)) {
    throw new TypeError(
      `Cannot use run id ${
        JSON.stringify(run)
      } as it must be 1 to 64 letters, digits, - or _: current value is ${JSON.stringify(run)}`,
    );
  }
  return run;
}

/** Where a blob was stored and how to check it. */
export interface BlobRef {
  /** `kv` for the KV bucket, `obj` for the Object Store. */
  readonly store: "kv" | "obj";
  /** Its key (KV) or name (Object Store). */
  readonly key: string;
  /** Its size in bytes. */
  readonly bytes: number;
  /** CRC-32C of its bytes. */
  readonly crc: number;
}

/** The streams, consumers and stores of one connection, created on first use. */
export class JetStreamResources {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  #kv: KV | null = null;
  #obj: ObjectStore | null = null;

  private constructor(nc: NatsConnection, jsm: JetStreamManager) {
    this.nc = nc;
    this.jsm = jsm;
    this.js = jetstream(nc);
  }

  /** Checks that the server has JetStream and creates the rollout streams if missing. */
  static async open(nc: NatsConnection): Promise<JetStreamResources> {
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
    } catch (error) {
      throw new Error(
        `Cannot use the NATS server at ${nc.getServer()} as JetStream is not enabled (start it with -js): ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    const resources = new JetStreamResources(nc, jsm);
    await resources.#ensureStream(TASK_STREAM, "ppoflow.task.>", RetentionPolicy.Workqueue);
    await resources.#ensureStream(RESULT_STREAM, "ppoflow.result.>", RetentionPolicy.Limits);
    return resources;
  }

  /** Creates the sweep streams if missing. */
  async ensureTrialStreams(): Promise<void> {
    await this.#ensureStream(TRIAL_STREAM, "ppoflow.trial.>", RetentionPolicy.Workqueue);
    await this.#ensureStream(TRIAL_EVENT_STREAM, "ppoflow.trialevent.>", RetentionPolicy.Limits);
  }

  async #ensureStream(name: string, subject: string, retention: RetentionPolicy): Promise<void> {
    try {
      await this.jsm.streams.info(name);
    } catch {
      await this.jsm.streams.add({
        name,
        subjects: [subject],
        retention,
        storage: StorageType.File,
        max_age: HOUR_NS * 24,
        duplicate_window: 120 * 1e9,
      });
    }
  }

  /**
   * Creates (or updates the ack wait of) a durable work-queue consumer.
   *
   * @param stream The stream.
   * @param durable The consumer's name.
   * @param ackWaitMs How long a message may stay unacknowledged before it is redelivered.
   */
  async ensureWorkConsumer(stream: string, durable: string, ackWaitMs: number): Promise<void> {
    const config = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ackWaitMs * 1e6,
      deliver_policy: DeliverPolicy.All,
      max_deliver: -1,
    };
    try {
      const info = await this.jsm.consumers.info(stream, durable);
      if (info.config.ack_wait !== config.ack_wait) {
        await this.jsm.consumers.update(stream, durable, { ack_wait: config.ack_wait });
      }
    } catch {
      await this.jsm.consumers.add(stream, config);
    }
  }

  async #kvBucket(): Promise<KV> {
    this.#kv ??= await new Kvm(this.nc).create(WEIGHTS_BUCKET, { history: 1, ttl: 24 * 3600_000 });
    return this.#kv;
  }

  async #objectStore(): Promise<ObjectStore> {
    this.#obj ??= await new Objm(this.nc).create(BLOB_STORE, { ttl: HOUR_NS * 24 });
    return this.#obj;
  }

  /**
   * Stores bytes under a key: in the KV bucket when they fit in one message, else in the Object Store.
   *
   * @param key A key of letters, digits, `-`, `_` and `.`.
   * @param bytes The bytes.
   */
  async putBlob(key: string, bytes: Uint8Array): Promise<BlobRef> {
    const crc = crc32c(bytes);
    // Headroom for the message's subject and headers.
    if (bytes.length <= this.nc.info!.max_payload - 4096) {
      await (await this.#kvBucket()).put(key, bytes);
      return { store: "kv", key, bytes: bytes.length, crc };
    }
    await (await this.#objectStore()).putBlob({ name: key }, bytes);
    return { store: "obj", key, bytes: bytes.length, crc };
  }

  /**
   * Reads a blob and checks its size and checksum.
   *
   * @throws {Error} When it is missing or does not match its reference.
   */
  async getBlob(ref: BlobRef): Promise<Uint8Array> {
    const bytes = ref.store === "kv"
      ? (await (await this.#kvBucket()).get(ref.key))?.value ?? null
      : await (await this.#objectStore()).getBlob(ref.key);
    if (bytes === null || bytes.length === 0) {
      throw new Error(`Cannot read blob ${ref.key} as it is missing from the ${ref.store} store`);
    }
    if (bytes.length !== ref.bytes || crc32c(bytes) !== ref.crc) {
      throw new Error(
        `Cannot read blob ${ref.key} as its size or checksum does not match: current value is ${bytes.length} bytes`,
      );
    }
    return bytes;
  }

  /** Stores bytes in the Object Store under a name, replacing what it held. */
  async putObject(name: string, bytes: Uint8Array): Promise<void> {
    await (await this.#objectStore()).putBlob({ name }, bytes);
  }

  /** The Object Store's bytes under a name, or null when it holds none. */
  async getObject(name: string): Promise<Uint8Array | null> {
    return await (await this.#objectStore()).getBlob(name);
  }

  /** Deletes a blob; a missing one is not an error. */
  async deleteBlob(ref: BlobRef): Promise<void> {
    try {
      if (ref.store === "kv") await (await this.#kvBucket()).purge(ref.key);
      else await (await this.#objectStore()).delete(ref.key);
    } catch {
      // Already gone (a second learner, a TTL): nothing to free.
    }
  }
}
