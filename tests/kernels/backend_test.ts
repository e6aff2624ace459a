import assert from "node:assert/strict";
import { BACKENDS, chooseBackend, probeBackend } from "../../src/kernels/backend.ts";
import { GpuContext } from "../../src/kernels/_gpu.ts";
import { BACKEND_CASES } from "./_backends.ts";

Deno.test("probeBackend() finds cpu working and explains every backend that is not", async () => {
  assert.equal((await probeBackend("cpu")).works, true);
  for (const backend of BACKENDS) {
    const probe = await probeBackend(backend);
    assert.equal(probe.backend, backend);
    if (!probe.works) assert.ok(probe.reason && probe.reason.length > 0, `${backend} fails without a reason`);
  }
});

Deno.test("chooseBackend() picks a working backend and never a software WebGPU adapter", async () => {
  const chosen = await chooseBackend();
  const probe = await probeBackend(chosen);
  assert.equal(probe.works, true);
  if (chosen === "webgpu") assert.equal(probe.software, false);
  const webasm = await probeBackend("webasm");
  if (chosen === "cpu") assert.notEqual(webasm.executorKind, "fused-threaded");
});

for (const { backend, ignore, note } of BACKEND_CASES) {
  Deno.test({
    name: `plans run on ${backend} with its own executor, past gpu.js's default loop cap${note}`,
    ignore,
    async fn() {
      const ctx = await GpuContext.open(backend);
      try {
        const count = ctx.kernel(
          function (this: { readonly constants: { readonly n: number } }, a: Float32Array) {
            let total = 0;
            for (let i = 0; i < this.constants.n; i++) total += a[i % 4]!;
            return total;
          },
          { size: 8192, constants: { n: 2500 } },
        );
        const plan = ctx.plan<{ readonly out: Float32Array }>(1, (a) => ({ out: count(a!) }));
        const { out } = await plan.run(new Float32Array([1, 1, 1, 1]));
        assert.equal(out[8191], 2500);
        assert.equal(plan.backend, backend);
        const expected = { cpu: "generic", webasm: "fused-threaded", webgpu: "fused-encoder" }[backend];
        assert.equal(plan.executorKind, expected, `fallback: ${plan.fallbackReason}`);
      } finally {
        await ctx.destroy();
      }
    },
  });
}
