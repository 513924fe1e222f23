import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestHa1 } from "../../src/http/digest.ts";
import { DigestHa1Cache } from "../../src/http/digest-ha1.ts";
import { UNKNOWN_DEVICE_SECRET } from "../../src/provisioning/provision.ts";
import { createSecretBox, type SecretBox } from "../../src/secrets.ts";
import { cliRunner } from "../helpers/cli-run.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

/** A SecretBox that counts what it opens. */
function countingBox(): SecretBox & { opened: number } {
  const box = createSecretBox(randomBytes(32));
  const counting = { keyId: box.keyId, seal: (p: string) => box.seal(p), deriveKey: (p: string) => box.deriveKey(p), opened: 0, open: (s: string) => (counting.opened++, box.open(s)) };
  return counting;
}

describe("DigestHa1Cache", () => {
  it("derives the HA1 of the sealed password once, then answers without opening it", () => {
    const box = countingBox();
    const cache = new DigestHa1Cache(box);
    const sealed = box.seal("s3cret");
    expect(cache.of("805ec0000101", sealed)).toBe(digestHa1("805ec0000101", "s3cret"));
    expect(cache.of("805ec0000101", sealed)).toBe(digestHa1("805ec0000101", "s3cret"));
    expect(box.opened).toBe(1);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it("a new password is a new sealed string: derived again, never the old HA1", () => {
    const box = countingBox();
    const cache = new DigestHa1Cache(box);
    cache.of("u", box.seal("old"));
    expect(cache.of("u", box.seal("new"))).toBe(digestHa1("u", "new"));
    // The same password sealed again (a key rotation re-seals) is a miss too, with the same HA1.
    expect(cache.of("u", box.seal("new"))).toBe(digestHa1("u", "new"));
    expect(box.opened).toBe(3);
  });

  it("a new user name with the same sealed password is derived again", () => {
    const box = countingBox();
    const cache = new DigestHa1Cache(box);
    const sealed = box.seal("pw");
    cache.of("a", sealed);
    expect(cache.of("b", sealed)).toBe(digestHa1("b", "pw"));
  });

  it("an unknown device gets an HA1 nobody can know, without opening anything", () => {
    const box = countingBox();
    const cache = new DigestHa1Cache(box);
    const ha1 = cache.of(UNKNOWN_DEVICE_SECRET, UNKNOWN_DEVICE_SECRET);
    expect(ha1).toMatch(/^[0-9a-f]{32}$/);
    expect(ha1).not.toBe(new DigestHa1Cache(box).of(UNKNOWN_DEVICE_SECRET, UNKNOWN_DEVICE_SECRET));
    expect(box.opened).toBe(0);
  });

  it("is bounded", () => {
    const box = countingBox();
    const cache = new DigestHa1Cache(box, 3);
    for (let i = 0; i < 10; i++) cache.of("u", box.seal(`pw${i}`));
    expect(cache.size).toBe(3);
  });
});

const SET_PASSWORD = fileURLToPath(new URL("../helpers/set-device-password.ts", import.meta.url));

describe("the phone listener's Digest check against passwords changed elsewhere", () => {
  let s: DemoServer;
  beforeAll(async () => {
    s = await startDemoServer({ authFailMaxDelayMs: 0 });
  });
  afterAll(() => s.close());

  const phone = () => s.demo.find((d) => d.vendor === "yealink")!;
  const fetchWith = async (password: string) => {
    const r = await curl(["--digest", "-u", `${phone().username}:${password}`, `${s.phoneUrl}/${phone().mac}.cfg`]);
    return r.status;
  };

  let current = "";

  it("a password rotated by a second process on the data directory counts at the very next fetch", async () => {
    const old = phone().password;
    expect(await fetchWith(old)).toBe(200);
    expect(await fetchWith(old)).toBe(200); // from the HA1 kept by the first fetch
    current = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--import", "tsx", SET_PASSWORD, s.config.dataDir, s.config.secretKeyFile, phone().mac], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
    );
    expect(current).toMatch(/^[A-Za-z0-9]{22}$/);
    expect(await fetchWith(old)).toBe(401);
    expect(await fetchWith(current)).toBe(200);
    expect(await fetchWith(current)).toBe(200);
  });

  it("a secret-key rotation by the CLI re-seals: the same password still opens the file, no other does", async () => {
    expect(await fetchWith(current)).toBe(200);
    const r = await cliRunner(s.config).run(["secrets", "rotate"]);
    expect(r.code, r.stderr).toBe(0);
    expect(await fetchWith(current)).toBe(200);
    expect(await fetchWith(phone().password)).toBe(401);
  });
});
