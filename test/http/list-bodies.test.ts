import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminApp, type AdminApp } from "../helpers/admin-app.ts";

let c: AdminApp;
const MAC = "805ec0000101";

beforeAll(async () => {
  c = startAdminApp();
  await loadDemo(c.runtime);
});
afterAll(async () => c.close());

describe("PUT /devices/{mac}/keys and /lines take what GET answers", () => {
  it("writes back the { keys } a GET answered (read, edit, write)", async () => {
    const got = (await c.call("GET", `/devices/${MAC}/keys`)).json;
    expect(got.keys.length).toBeGreaterThan(0);
    const edited = { keys: got.keys.map((k: { label: string | null }, i: number) => (i === 0 ? { ...k, label: "Edited" } : k)) };
    const put = await c.call("PUT", `/devices/${MAC}/keys`, edited);
    expect(put.status, put.text).toBe(200);
    expect(put.json.keys[0].label).toBe("Edited");
    // PUT answers what GET does, plus the line-key warnings of the write (docs/api.md#line-keys).
    expect({ ...put.json, warnings: undefined }).toEqual({ ...(await c.call("GET", `/devices/${MAC}/keys`)).json, warnings: undefined });
    expect(put.json.warnings).toEqual([]);
  });

  it("still takes the bare array documented before", async () => {
    const got = (await c.call("GET", `/devices/${MAC}/keys`)).json;
    const put = await c.call("PUT", `/devices/${MAC}/keys`, got.keys);
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ ...got, warnings: [] });
  });

  it("writes back the { lines } a GET answered", async () => {
    const got = (await c.call("GET", `/devices/${MAC}/lines`)).json;
    const put = await c.call("PUT", `/devices/${MAC}/lines`, got);
    expect(put.status, put.text).toBe(200);
    expect(put.json).toEqual({ ...got, warnings: [] });
  });
});
