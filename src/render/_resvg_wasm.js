// @ts-self-types="./_resvg_wasm.d.ts"
// A source-phase import (TypeScript cannot check it yet, hence plain JS): Deno compiles the WebAssembly module
// from its npm cache as it loads code, with no read or net permission.
import source resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";

export default resvgWasm;
