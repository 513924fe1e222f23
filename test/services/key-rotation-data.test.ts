import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../src/db/data.ts";
import { createKeyRingBox, type KeyRingBox } from "../../src/secret-key-ring.ts";
import { loadOrCreateKey } from "../../src/secrets.ts";
import { createExtension } from "../../src/services/extensions.ts";
import { rotateSecretKey } from "../../src/services/key-rotation.ts";
import { ExtensionInput } from "../../src/services/schemas.ts";
import { convertedDeps, dataDialects } from "../helpers/data-dialects.ts";
import { usePostgres } from "../helpers/postgres.ts";

/**
 * `secrets rotate` on SQLite and PostgreSQL: every sealed value ends under the new key and still
 * opens; a failure in the middle of a batch leaves that batch as it was (each batch is one
 * transaction), and every value still opens with the key ring.
 */
const postgres = usePostgres();
const TENANT = "rot.example";

const sealedValues = (data: Data) =>
  data.read(async (q) => [
    ...(await q.db.select({ v: q.t.extensions.sipPasswordEnc }).from(q.t.extensions).orderBy(q.t.extensions.id)).map((r) => r.v),
    ...(await q.db.select({ v: q.t.deviceEventSecrets.secretEnc }).from(q.t.deviceEventSecrets).orderBy(q.t.deviceEventSecrets.deviceId)).map((r) => r.v),
  ]);

const keyIdOf = (sealed: string) => sealed.split(".")[1];

describe.each(dataDialects(postgres))("secret key rotation on $name", (dialect) => {
  let data: Data;
  let cleanup: () => Promise<void>;
  let dir: string;
  let keyFile: string;
  let box: KeyRingBox;

  beforeEach(async () => {
    ({ data, cleanup } = await dialect.open());
    dir = mkdtempSync(join(tmpdir(), "phonehome-rotate-"));
    keyFile = join(dir, "secret.key");
    loadOrCreateKey(keyFile);
    box = createKeyRingBox(keyFile);
    const deps = { ...convertedDeps(data), secrets: box };
    const at = Date.now();
    await data.write(async (q) => {
      await q.db.insert(q.t.tenants).values({ name: TENANT, sipDomain: TENANT, sipServerHost: `pbx.${TENANT}`, createdAt: at, updatedAt: at });
    });
    for (const n of ["101", "102", "103"]) await createExtension(deps, TENANT, ExtensionInput.parse({ number: n, displayName: n }));
  });
  afterEach(async () => {
    await cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("re-seals every value under the new key; each opens to what it was", async () => {
    const before = await sealedValues(data);
    const plain = before.map((v) => box.open(v));
    const r = await rotateSecretKey(data, box, keyFile, { forgetOld: true });
    expect(r.resealed).toBe(before.length);
    const after = await sealedValues(data);
    expect(new Set(after.map(keyIdOf))).toEqual(new Set([r.newKeyId]));
    expect(after.map((v) => createKeyRingBox(keyFile).open(v))).toEqual(plain);
    expect((await rotateSecretKey(data, box, keyFile)).resealed).toBe(before.length);
  });

  it("leaves a batch that fails midway as it was, every value still readable", async () => {
    const before = await sealedValues(data);
    const plain = before.map((v) => box.open(v));
    let seals = 0;
    const failing: KeyRingBox = Object.assign(Object.create(box) as KeyRingBox, {
      seal(value: string) {
        if (++seals === 2) throw new Error("sealing failed midway");
        return box.seal(value);
      },
    });
    await expect(rotateSecretKey(data, failing, keyFile)).rejects.toThrow("sealing failed midway");
    // The first value was re-sealed in the batch that failed: rolled back with it.
    expect(await sealedValues(data)).toEqual(before);
    const ring = createKeyRingBox(keyFile);
    expect(before.map((v) => ring.open(v))).toEqual(plain);
  });
});
