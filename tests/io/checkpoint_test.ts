import assert from "node:assert/strict";
import { join } from "node:path";
import { type Checkpoint, loadCheckpoint, saveCheckpoint } from "../../src/io/checkpoint.ts";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import type { ActorCriticConfig } from "../../src/model/types.ts";
import { Rng } from "../../src/core/rng.ts";
import { Discrete } from "../../src/envs/discrete.ts";

const cartPoleNet: ActorCriticConfig = {
  obsDim: 4,
  head: { kind: "categorical", n: 2 },
  hidden: [64, 64],
  activation: "tanh",
  shared: false,
};

function sampleCheckpoint(config: ActorCriticConfig = cartPoleNet, seed = 1) {
  const layout = paramLayout(config);
  const rng = new Rng(seed);
  const fill = () => Float32Array.from({ length: layout.size }, () => rng.normal());
  rng.normal(); // leaves a cached normal in the state, which must survive the round trip
  return {
    params: fill(),
    tensors: layout.tensors,
    optimizer: { m: fill(), v: fill().map(Math.abs), step: 123 },
    metadata: {
      envId: "CartPole-v1",
      globalStep: 250_880,
      iteration: 490,
      config: { learningRate: 2.5e-4, hidden: [64, 64], targetKl: null, optional: undefined },
      actionSpace: new Discrete(2),
      normalization: { obsMean: new Float64Array([0.1, -0.2, 1 / 3, 1e-300]), count: 250_880.0001 },
      rng: rng.getState(),
    },
  };
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveCheckpoint() and loadCheckpoint() round-trip weights, optimizer state and metadata", async () => {
  await withTempDir(async (dir) => {
    for (
      const config of [
        cartPoleNet,
        {
          ...cartPoleNet,
          head: { kind: "gaussian", dim: 3, logStd: "learned", initLogStd: 0 },
          shared: true,
        },
      ] satisfies ActorCriticConfig[]
    ) {
      const path = join(dir, "checkpoints", "latest.safetensors");
      const saved = sampleCheckpoint(config);
      await saveCheckpoint(path, saved);
      const loaded = await loadCheckpoint(path, {
        tensors: paramLayout(config).tensors,
        envId: "CartPole-v1",
      });
      assert.deepEqual(loaded.params, saved.params);
      assert.deepEqual(loaded.optimizer, saved.optimizer);
      assert.deepEqual(
        loaded.tensors,
        saved.tensors.map(({ name, shape, offset }) => ({ name, shape, offset })),
      );
      assert.deepEqual(loaded.metadata, {
        envId: "CartPole-v1",
        globalStep: 250_880,
        iteration: 490,
        config: { learningRate: 2.5e-4, hidden: [64, 64], targetKl: null },
        actionSpace: { type: "Discrete", n: 2, start: 0 },
        normalization: { obsMean: [0.1, -0.2, 1 / 3, 1e-300], count: 250_880.0001 },
        rng: saved.metadata.rng,
      });
      const rng = new Rng(0);
      rng.setState(loaded.metadata["rng"] as unknown as ReturnType<Rng["getState"]>);
      const reference = new Rng(0);
      reference.setState(saved.metadata.rng);
      assert.deepEqual([rng.normal(), rng.random()], [reference.normal(), reference.random()]);
    }
  });
});

Deno.test("a checkpoint is a plain safetensors file with named weights and optimizer moments", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint());
    const file = decodeSafetensors(await Deno.readFile(path));
    assert.deepEqual(file.tensors.get("actor.0.weight")?.shape, [64, 4]);
    assert.deepEqual(file.tensors.get("optimizer.m.critic.2.bias")?.shape, [1]);
    assert.deepEqual(file.tensors.get("optimizer.v.actor.2.weight")?.shape, [2, 64]);
    assert.equal(file.tensors.size, 3 * 12);
    assert.equal(file.metadata["format_version"], "1");
    assert.match(file.metadata["checksum"]!, /^crc32c:[0-9a-f]{8}$/);
    assert.equal(JSON.parse(file.metadata["ppo_flow"]!).metadata.envId, "CartPole-v1");
  });
});

Deno.test("loadCheckpoint() refuses a truncated file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint());
    const bytes = await Deno.readFile(path);
    for (const length of [0, 7, 8, 100, bytes.length - 4, bytes.length - 1]) {
      await Deno.writeFile(path, bytes.subarray(0, length));
      await assert.rejects(
        loadCheckpoint(path),
        (error: Error) =>
          error.message.startsWith(`Cannot load checkpoint ${path} as it is not a complete safetensors file`),
        `truncated to ${length} bytes`,
      );
    }
  });
});

Deno.test("loadCheckpoint() refuses a flipped byte in the data through the checksum", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint());
    const bytes = await Deno.readFile(path);
    const dataOffset = decodeSafetensors(bytes).dataOffset;
    for (const position of [dataOffset, Math.floor((dataOffset + bytes.length) / 2), bytes.length - 1]) {
      const corrupt = bytes.slice();
      corrupt[position]! ^= 0x01;
      await Deno.writeFile(path, corrupt);
      await assert.rejects(
        loadCheckpoint(path),
        new RegExp(`Cannot load checkpoint ${path} as its checksum does not match, so the file is corrupt`),
      );
    }
  });
});

Deno.test("loadCheckpoint() refuses every single-bit flip in the header", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint({ ...cartPoleNet, hidden: [3] }));
    const bytes = await Deno.readFile(path);
    const headerEnd = decodeSafetensors(bytes).dataOffset;
    for (let position = 0; position < headerEnd; position++) {
      for (const bit of [0x01, 0x10]) {
        const corrupt = bytes.slice();
        corrupt[position]! ^= bit;
        await Deno.writeFile(path, corrupt);
        await assert.rejects(
          loadCheckpoint(path),
          (error: Error) => error.message.startsWith(`Cannot load checkpoint ${path} as `),
          `flipping bit ${bit} of byte ${position}`,
        );
      }
    }
  });
});

Deno.test("loadCheckpoint() names a tensor whose shape the model does not expect", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint({ ...cartPoleNet, obsDim: 8 }));
    await assert.rejects(
      loadCheckpoint(path, { tensors: paramLayout(cartPoleNet).tensors }),
      {
        message:
          `Cannot load checkpoint ${path} as tensor actor.0.weight has shape [64, 8] but the model expects [64, 4]`,
      },
    );
    const gaussian = paramLayout({
      ...cartPoleNet,
      obsDim: 8,
      head: { kind: "gaussian", dim: 2, logStd: "learned", initLogStd: 0 },
    });
    await assert.rejects(
      loadCheckpoint(path, { tensors: gaussian.tensors }),
      { message: `Cannot load checkpoint ${path} as it lacks tensor logStd that the model expects` },
    );
    await assert.rejects(
      loadCheckpoint(path, { tensors: gaussian.tensors.filter((t) => !t.name.startsWith("critic.")) }),
      /it lacks tensor logStd|it has tensor critic\.0\.weight that the model does not expect/,
    );
    await assert.rejects(
      loadCheckpoint(path, { tensors: paramLayout({ ...cartPoleNet, obsDim: 8 }).tensors.slice(1) }),
      {
        message:
          `Cannot load checkpoint ${path} as it has tensor actor.0.weight that the model does not expect`,
      },
    );
  });
});

Deno.test("loadCheckpoint() refuses a checkpoint of another environment", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint());
    await assert.rejects(
      loadCheckpoint(path, { envId: "Acrobot-v1" }),
      {
        message:
          `Cannot load checkpoint ${path} as it was saved for environment "CartPole-v1" but the run uses ` +
          `"Acrobot-v1": current value is "CartPole-v1"`,
      },
    );
  });
});

Deno.test("loadCheckpoint() refuses another format version and a foreign safetensors file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    const tensors = { w: { shape: [1], data: new Float32Array([1]) } };
    await Deno.writeFile(path, encodeSafetensors(tensors, { format_version: "2", ppo_flow: "{}" }));
    await assert.rejects(
      loadCheckpoint(path),
      {
        message:
          `Cannot load checkpoint ${path} as its format version is "2" but this version of ppo-flow reads ` +
          `"1": current value is "2"`,
      },
    );
    await Deno.writeFile(path, encodeSafetensors(tensors));
    await assert.rejects(loadCheckpoint(path), /its format version is null .*current value is null/);
  });
});

Deno.test("loadCheckpoint() names a missing file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nope.safetensors");
    await assert.rejects(
      loadCheckpoint(path),
      (error: Error) =>
        error.message.startsWith(`Cannot load checkpoint ${path} as the file cannot be read: `) &&
        error.cause instanceof Deno.errors.NotFound,
    );
  });
});

/** A createNew that writes `bytesBeforeFailure` bytes of the file, then fails like a full disk. */
function fullDiskAfter(bytesBeforeFailure: number) {
  return async (path: string) => {
    const file = await Deno.open(path, { write: true, createNew: true });
    let written = 0;
    return {
      async write(bytes: Uint8Array): Promise<number> {
        if (written >= bytesBeforeFailure) throw new Error("No space left on device (os error 28)");
        const n = await file.write(bytes.subarray(0, Math.min(bytes.length, bytesBeforeFailure - written)));
        written += n;
        return n;
      },
      sync: () => file.sync(),
      close: () => file.close(),
    };
  };
}

Deno.test("saveCheckpoint() failing halfway leaves the previous checkpoint intact and no temporary file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    const first = sampleCheckpoint(cartPoleNet, 1);
    await saveCheckpoint(path, first);
    const before = await Deno.readFile(path);
    await assert.rejects(
      saveCheckpoint(path, sampleCheckpoint(cartPoleNet, 2), {
        fileSystem: { createNew: fullDiskAfter(5000) },
      }),
      (error: Error) =>
        error.message.startsWith(`Cannot save checkpoint ${path} as writing the temporary file ${path}.`) &&
        error.message.endsWith(".tmp failed: No space left on device (os error 28)") &&
        error.cause instanceof Error,
    );
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual((await loadCheckpoint(path)).params, first.params);
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["latest.safetensors"]);
  });
});

Deno.test("saveCheckpoint() cleans up when syncing or renaming fails", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    await saveCheckpoint(path, sampleCheckpoint());
    const before = await Deno.readFile(path);
    const failingSync = async (temporary: string) => {
      const file = await Deno.open(temporary, { write: true, createNew: true });
      return {
        write: (bytes: Uint8Array) => file.write(bytes),
        sync: () => Promise.reject(new Error("Input/output error (os error 5)")),
        close: () => file.close(),
      };
    };
    await assert.rejects(
      saveCheckpoint(path, sampleCheckpoint(cartPoleNet, 3), { fileSystem: { createNew: failingSync } }),
      /failed: Input\/output error \(os error 5\)$/,
    );
    await assert.rejects(
      saveCheckpoint(path, sampleCheckpoint(cartPoleNet, 4), {
        fileSystem: {
          rename: () => Promise.reject(new Deno.errors.PermissionDenied("Permission denied (os error 13)")),
        },
      }),
      /as renaming .*\.tmp over it failed: Permission denied \(os error 13\)$/,
    );
    await assert.rejects(
      saveCheckpoint(path, sampleCheckpoint(), {
        fileSystem: { createNew: () => Promise.reject(new Error("Read-only file system (os error 30)")) },
      }),
      /as creating the temporary file .*\.tmp failed: Read-only file system \(os error 30\)$/,
    );
    assert.deepEqual(await Deno.readFile(path), before);
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["latest.safetensors"]);
  });
});

Deno.test("saveCheckpoint() replaces an existing checkpoint", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "best.safetensors");
    await saveCheckpoint(path, sampleCheckpoint(cartPoleNet, 1));
    const second = sampleCheckpoint(cartPoleNet, 2);
    await saveCheckpoint(path, second);
    assert.deepEqual((await loadCheckpoint(path)).params, second.params);
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["best.safetensors"]);
  });
});

Deno.test("saveCheckpoint() removes the temporary files an interrupted save of the same path left behind", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    // A killed save leaves its half-written temporary file; the next save of the same path must not keep it.
    await Deno.writeFile(`${path}.0123456789abcdef.tmp`, new Uint8Array(1000).fill(7));
    await Deno.writeFile(`${path}.fedcba9876543210.tmp`, new Uint8Array(0));
    const others = [
      "best.safetensors",
      "best.safetensors.0123456789abcdef.tmp",
      "latest.safetensors.notes.tmp",
    ];
    for (const name of others) await Deno.writeTextFile(join(dir, name), "not ours");
    const checkpoint = sampleCheckpoint(cartPoleNet, 5);
    await saveCheckpoint(path, checkpoint);
    assert.deepEqual((await loadCheckpoint(path)).params, checkpoint.params);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((entry) => entry.name).sort(),
      [...others, "latest.safetensors"].sort(),
    );
  });
});

Deno.test("saveCheckpoint() refuses metadata JSON would corrupt and inconsistent tensors, writing nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "latest.safetensors");
    const good = sampleCheckpoint();
    const cases: [Checkpoint<Readonly<Record<string, unknown>>>, RegExp][] = [
      [
        { ...good, metadata: { normalization: { var: [1, NaN] } } },
        /as metadata\.normalization\.var\[1\] must be a finite number: current value is NaN/,
      ],
      [
        { ...good, metadata: { step: 10n } },
        /as metadata\.step must be JSON-serialisable: current value is 10/,
      ],
      [{ ...good, metadata: { f: () => 1 } }, /as metadata\.f must be JSON-serialisable/],
      [
        { ...good, optimizer: { ...good.optimizer, m: new Float32Array(3) } },
        /optimizer\.m must be a Float32Array of \d+ values like params: current value is Float32Array of 3/,
      ],
      [
        { ...good, optimizer: { ...good.optimizer, step: -1 } },
        /optimizer\.step must be a non-negative integer/,
      ],
      [{ ...good, tensors: good.tensors.slice(1) }, /tensor actor\.0\.bias starts at 256 instead of 0/],
      [{ ...good, tensors: good.tensors.slice(0, -1) }, /must cover all \d+ parameters/],
      [
        { ...good, tensors: [{ ...good.tensors[0]!, name: "optimizer.x" }, ...good.tensors.slice(1)] },
        /not start with "optimizer\."/,
      ],
    ];
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    cases.push([{ ...good, metadata: cyclic }, /metadata\.self refers to itself/]);
    for (const [checkpoint, pattern] of cases) {
      await assert.rejects(saveCheckpoint(path, checkpoint), (error: Error) => {
        assert.match(error.message, new RegExp(`^Cannot save checkpoint ${path} as `));
        assert.match(error.message, pattern);
        return true;
      });
    }
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});
