import { initWasm } from "@resvg/resvg-wasm";
import resvgWasm from "./_resvg_wasm.js";

let ready: Promise<void> | null = null;

/** Instantiates resvg's WebAssembly once per process (or worker). */
export function resvgReady(): Promise<void> {
  ready ??= initWasm(resvgWasm);
  return ready;
}
