import assert from "node:assert/strict";
import { servePage } from "../../src/browser/serve_page.ts";

Deno.test("servePage() serves its directory's files and nothing outside it", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/index.html`, "<!doctype html><title>page</title>");
  await Deno.writeTextFile(`${dir}/page.js`, "export {};");
  await Deno.mkdir(`${dir}/sub`);
  const server = servePage(dir, { port: 0 });
  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(new URL(path, server.url), init);
    return {
      status: response.status,
      type: response.headers.get("content-type"),
      body: await response.text(),
    };
  };
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.deepEqual(await get("/"), {
      status: 200,
      type: "text/html; charset=utf-8",
      body: "<!doctype html><title>page</title>",
    });
    assert.equal((await get("/page.js")).type, "text/javascript; charset=utf-8");
    for (const path of ["/missing.js", "/sub", "/%2e%2e/deno.json", "/sub%2Fx.js", "/.hidden", "/%E0%A4%A"]) {
      assert.equal((await get(path)).status, 404, path);
    }
    assert.equal((await get("/page.js", { method: "POST" })).status, 405);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("servePage() refuses a port outside [0, 65535]", () => {
  assert.throws(() => servePage(".", { port: 70000 }), RangeError);
});
