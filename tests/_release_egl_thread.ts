/**
 * Preloaded into every test module (`deno test --preload`, see the `test` task in deno.json): when the module
 * unloads, releases the EGL state its thread holds.
 *
 * Why: on a machine without a GPU, Deno's WebGPU runs on llvmpipe through wgpu's OpenGL backend, which calls
 * EGL. libglvnd's libEGL then keeps per-thread state, freed by a thread-exit destructor. `deno test` runs each
 * module on a pooled thread that lives until the process exits, and at exit that thread's destructor races
 * libEGL's own teardown (which frees every thread's state): about one run in five of the whole suite died after
 * its last test with `corrupted size vs. prev_size in fastbins` (glibc) or a segmentation fault in libEGL.
 * `eglReleaseThread()` frees the thread's state while the thread is still idle in the pool, so nothing is left for
 * the race. It does nothing on a thread that never called EGL.
 *
 * @module
 */

// Where distributions put libglvnd's libEGL; the test task allows FFI under these folders only.
const LIBEGL_PATHS = [
  "/usr/lib/x86_64-linux-gnu/libEGL.so.1",
  "/usr/lib/aarch64-linux-gnu/libEGL.so.1",
  "/usr/lib64/libEGL.so.1",
  "/usr/lib/libEGL.so.1",
];

function releaseEglThread(): void {
  if (Deno.build.os !== "linux") return;
  const path = LIBEGL_PATHS.find((candidate) => {
    try {
      return Deno.statSync(candidate).isFile;
    } catch {
      return false;
    }
  });
  if (path === undefined) return;
  const lib = Deno.dlopen(path, { eglReleaseThread: { parameters: [], result: "u32" } });
  try {
    lib.symbols.eglReleaseThread();
  } finally {
    lib.close();
  }
}

globalThis.addEventListener("unload", releaseEglThread);
