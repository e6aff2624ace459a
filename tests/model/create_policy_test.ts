import assert from "node:assert/strict";
import { chooseEngine } from "../../src/model/choose_engine.ts";
import { createPolicy } from "../../src/model/create_policy.ts";
import { type EngineName, ENGINES, GPU_MIN_PARAMS, THREADED_MIN_CORES } from "../../src/model/engines.ts";
import { paramLayout } from "../../src/model/param_layout.ts";
import { layoutOf } from "./_fixtures.ts";

Deno.test("createPolicy() on engine gpujs and backend cpu reports engine gpujs and backend cpu", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  for (const engine of ["gpujs", "auto"] as const) {
    const policy = await createPolicy(layout, {
      engine,
      backend: "cpu",
      params: new Float32Array(layout.size),
    });
    try {
      assert.equal(policy.engine, "gpujs", engine);
      assert.equal(policy.backend, "cpu", engine);
    } finally {
      await policy.dispose();
    }
  }
});

Deno.test("createPolicy() creates every engine of the table by its name, and only gpujs has a backend", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  for (const name of Object.keys(ENGINES) as EngineName[]) {
    const policy = await createPolicy(layout, {
      engine: name,
      ...(name === "gpujs" ? { backend: "cpu" as const } : {}),
      params: new Float32Array(layout.size),
    });
    try {
      assert.equal(policy.engine, name);
      assert.equal(policy.backend === undefined, name !== "gpujs", name);
    } finally {
      await policy.dispose();
    }
  }
});

Deno.test("createPolicy() refuses a gpu.js backend on another engine and names outside the table", async () => {
  const layout = layoutOf("4-64-64-2 tanh categorical");
  const params = new Float32Array(layout.size);
  await assert.rejects(
    () => createPolicy(layout, { engine: "reference", backend: "webasm", params }),
    (error: Error) =>
      error instanceof RangeError &&
      error.message ===
        'Cannot create a policy as backend must be "auto" when engine is "reference" (a gpu.js backend is for ' +
          'engine gpujs): current value is "webasm"',
  );
  await assert.rejects(
    () => createPolicy(layout, { engine: "webgpu" as never, params }),
    /Cannot create a policy as engine must be one of auto, gpujs, wasm, threaded, reference: current value is "webgpu"/,
  );
  await assert.rejects(
    () => createPolicy(layout, { backend: "wasm" as never, params }),
    /Cannot create a policy as backend must be one of auto, webgpu, webasm, cpu: current value is "wasm"/,
  );
});

Deno.test("chooseEngine() asks the table's entries in order: a hardware GPU for big networks, then wasm, threaded, reference", async () => {
  const big = paramLayout({
    obsDim: 8,
    head: { kind: "categorical", n: 4 },
    hidden: [512, 256],
    activation: "relu",
    shared: false,
  });
  assert.ok(big.size >= GPU_MIN_PARAMS);
  const small = layoutOf("4-64-64-2 tanh categorical");
  const hardware = { backend: "webgpu" as const, works: true, adapter: "test GPU", software: false };
  const software = { ...hardware, software: true };
  const chosen = await chooseEngine(big, { cores: 2, webgpu: hardware, wasmSimd: true });
  assert.deepEqual([chosen.engine, chosen.backend], ["gpujs", "webgpu"]);
  assert.match(chosen.reason, /test GPU/);
  assert.equal((await chooseEngine(small, { cores: 2, webgpu: hardware, wasmSimd: true })).engine, "wasm");
  assert.equal((await chooseEngine(big, { cores: 2, webgpu: software, wasmSimd: true })).engine, "wasm");
  const noSimd = { webgpu: software, wasmSimd: false };
  assert.equal((await chooseEngine(small, { ...noSimd, cores: THREADED_MIN_CORES })).engine, "threaded");
  assert.equal((await chooseEngine(small, { ...noSimd, cores: THREADED_MIN_CORES - 1 })).engine, "reference");
  const shared = layoutOf("4-64-64-2 tanh categorical");
  const sharedLayout = paramLayout({ ...shared.config, shared: true });
  assert.equal((await chooseEngine(sharedLayout, { ...noSimd, cores: 16 })).engine, "reference");
  // A small network never probes WebGPU.
  let probed = false;
  const facts = {
    cores: 2,
    wasmSimd: true,
    get webgpu() {
      probed = true;
      return hardware;
    },
  };
  await chooseEngine(small, facts);
  assert.equal(probed, false);
});
