import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDemo } from "../../src/demo.ts";
import { startAdminClient, type AdminClient } from "../helpers/admin-client.ts";
import { curl } from "../helpers/curl.ts";
import { fetchRaw } from "../helpers/tftp.ts";

/** Firmware end to end: upload over the admin API, pin, device files name it, HTTP Range and TFTP serve it. */
const image = randomBytes(1_500_000);
let c: AdminClient;
let creds: { username: string; password: string };

beforeAll(async () => {
  c = await startAdminClient(
    { firmwareMaxBytes: 2 * 1024 * 1024 },
    {
      prepare: async (rt) => {
        creds = (await loadDemo(rt)).find((d) => d.mac === "805ec0000101")!;
      },
    },
  );
});
afterAll(async () => c.close());

const upload = (query: string, body: Buffer) => c.call("POST", `/firmware?${query}`, body, "admin", "application/octet-stream");
const Q = "vendor=yealink&models=T54W,T57W&version=96.86.0.100&name=" + encodeURIComponent("T54W(T57W,T53W)-96.86.0.100.rom");
const NAME = "96.86.0.100-T54W_T57W_T53W_-96.86.0.100.rom";

describe("firmware catalogue over the admin API", () => {
  it("refuses bad input and leaves the database and the folder as they were", async () => {
    await c.call("GET", "/firmware"); // the token's last-use stamp is set once
    const before = c.snapshot();
    for (const [q, body, status, message] of [
      ["vendor=nokia&models=T54W&version=1&name=a.rom", image, 400, /vendor: unknown vendor/],
      ["vendor=yealink&models=T99&version=1&name=a.rom", image, 400, /model: unknown yealink model/],
      ["vendor=yealink&models=T54W&version=..%2F..&name=a.rom", image, 400, /version:/],
      ["vendor=yealink&models=T54W&version=1&name=..%2F..%2F", image, 400, /name:/],
      ["vendor=yealink&models=T54W&version=1&name=a.rom", Buffer.alloc(0), 400, /empty/],
      ["vendor=yealink&models=T54W&version=1&name=a.rom", randomBytes(2 * 1024 * 1024 + 1), 413, /larger than the limit/],
      ["vendor=yealink&models=T54W&version=1", image, 400, /name:/],
    ] as const) {
      const r = await upload(q, body);
      expect(r.status, q).toBe(status);
      expect(r.json.error.message).toMatch(message);
    }
    expect(c.snapshot()).toBe(before);
    expect(existsSync(join(c.config.firmwareDir, "yealink")) ? readdirSync(join(c.config.firmwareDir, "yealink")) : []).toEqual([]);
  });

  it("stores an image under a generated name with its size and SHA-256", async () => {
    const r = await upload(Q, image);
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ vendor: "yealink", models: ["T54W", "T57W"], version: "96.86.0.100", fileName: NAME, size: image.length, sha256: createHash("sha256").update(image).digest("hex") });
    expect(readdirSync(join(c.config.firmwareDir, "yealink"))).toEqual([NAME]);
    expect((await upload(Q, image)).status).toBe(409);
  });

  it("serves it over HTTP, whole and by Range (206, 416)", async () => {
    const base = `${c.phoneUrl}/${NAME}`;
    const whole = await fetch(base);
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(image)).toBe(true);
    const part = await fetch(base, { headers: { range: "bytes=1000-1999" } });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 1000-1999/${image.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(image.subarray(1000, 2000))).toBe(true);
    const tail = await curl(["-r", "-100", base]);
    expect(tail.status).toBe(206);
    expect((await fetch(base, { headers: { range: `bytes=${image.length}-` } })).status).toBe(416);
  });

  it("serves it over TFTP", async () => {
    expect((await fetchRaw(c.server.tftpPort!, NAME, { blksize: "1468", windowsize: "8" })).equals(image)).toBe(true);
  });

  it("pins it for a model: the device file names it and the rollout shows the state", async () => {
    const bad = await c.call("PUT", "/tenants/demo.example/firmware/yealink/T46U", { version: "96.86.0.100" });
    expect(bad.status).toBe(400);
    const pin = await c.call("PUT", "/tenants/demo.example/firmware/yealink/T54W", { version: "96.86.0.100" });
    expect(pin.status).toBe(200);
    const cfg = await curl(["--digest", "-u", `${creds.username}:${creds.password}`, `${c.phoneUrl}/805ec0000101.cfg`]);
    // The URL is the tenant's base URL (here the server's public URL) + the served name.
    expect(cfg.body).toContain(`static.firmware.url = ${c.config.publicUrl}${NAME}`);
    const before = (await c.call("GET", "/devices/805ec0000101/firmware")).json;
    expect(before).toMatchObject({ reported: null, target: "96.86.0.100", status: "unknown" });
    // The phone reports its firmware in its User-Agent.
    for (const [fw, status] of [["96.85.0.5", "upgrade pending"], ["96.86.0.100", "current"]]) {
      await curl(["--digest", "-u", `${creds.username}:${creds.password}`, "-A", `Yealink SIP-T54W ${fw} 80:5e:c0:00:01:01`, `${c.phoneUrl}/805ec0000101.cfg`]);
      c.server.runtime.recorder.flush(); // the fetch recorder writes in batches
      const rollout = (await c.call("GET", "/firmware/rollout?tenant=demo.example")).json;
      expect(rollout.devices.find((d: { mac: string }) => d.mac === "805ec0000101")).toMatchObject({ reported: fw, target: "96.86.0.100", status });
    }
    expect((await c.call("DELETE", "/firmware/1")).status).toBe(409);
  });

  it("unpins and deletes: the file goes with the row", async () => {
    expect((await c.call("DELETE", "/tenants/demo.example/firmware/yealink/T54W")).status).toBe(204);
    expect((await c.call("DELETE", "/firmware/1")).status).toBe(204);
    expect(readdirSync(join(c.config.firmwareDir, "yealink"))).toEqual([]);
    expect((await fetch(`${c.phoneUrl}/${NAME}`)).status).toBe(404);
  });
});

describe("phonehome firmware add (CLI)", () => {
  it("catalogues a local file", async () => {
    const { execFileSync } = await import("node:child_process");
    const file = join(c.config.dataDir, "gxp2140fw.bin");
    writeFileSync(file, randomBytes(3000));
    const bin = new URL("../../bin/phonehome.mjs", import.meta.url).pathname;
    const out = execFileSync(process.execPath, [bin, "firmware", "add", file, "--vendor", "grandstream", "--models", "GXP2140", "--version", "1.0.7.97", "--data-dir", c.config.dataDir, "--firmware-dir", c.config.firmwareDir], { encoding: "utf8" });
    expect(out).toMatch(/^\d+\t1\.0\.7\.97-gxp2140fw\.bin\t3000\t[0-9a-f]{64}\n$/);
    expect(readdirSync(join(c.config.firmwareDir, "grandstream"))).toEqual(["1.0.7.97-gxp2140fw.bin"]);
  });

  it("lists the catalogue, the image added above included", async () => {
    const { execFileSync } = await import("node:child_process");
    const bin = new URL("../../bin/phonehome.mjs", import.meta.url).pathname;
    const list = execFileSync(process.execPath, [bin, "firmware", "list", "--data-dir", c.config.dataDir], { encoding: "utf8" });
    expect(list).toMatch(/^\d+\tgrandstream\t1\.0\.7\.97\tGXP2140\t1\.0\.7\.97-gxp2140fw\.bin\t3000$/m);
  });
});
