import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from "node:fs";
import { createSecretBox, loadKey, type SecretBox } from "./secrets.ts";

/**
 * The secret key and the keys it replaced, for rotation without downtime. `secret.key` holds the
 * current key; `<secret.key>.retired` the older ones, one base64 key a line. Every ciphertext names
 * its key id, so a box opens whatever key sealed it; it seals with the current key.
 *
 * A running server notices a rotation by itself: before sealing it checks the key file's mtime,
 * and a ciphertext under an unknown key id makes it reload the ring once. So `phonehome secrets
 * rotate` (another process) can swap the key and rewrite the rows while the server keeps serving.
 */
export const retiredKeysPath = (keyFile: string): string => `${keyFile}.retired`;

function readRetired(keyFile: string): Buffer[] {
  const path = retiredKeysPath(keyFile);
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => Buffer.from(l, "base64"))
    .filter((k) => k.length === 32);
}

interface Ring {
  readonly current: SecretBox;
  readonly byId: ReadonlyMap<string, SecretBox>;
  readonly stamp: number;
}

function loadRing(keyFile: string): Ring {
  const current = createSecretBox(loadKey(keyFile));
  const byId = new Map<string, SecretBox>([[current.keyId, current]]);
  for (const key of readRetired(keyFile)) {
    const box = createSecretBox(key);
    if (!byId.has(box.keyId)) byId.set(box.keyId, box);
  }
  return { current, byId, stamp: statSync(keyFile).mtimeMs };
}

export interface KeyRingBox extends SecretBox {
  /** Key ids the ring can open (current first). */
  knownKeyIds(): string[];
  reload(): void;
}

export function createKeyRingBox(keyFile: string): KeyRingBox {
  let ring = loadRing(keyFile);
  const reloadIfChanged = () => {
    if (statSync(keyFile).mtimeMs !== ring.stamp) ring = loadRing(keyFile);
  };
  return {
    get keyId() {
      return ring.current.keyId;
    },
    seal(plain) {
      reloadIfChanged();
      return ring.current.seal(plain);
    },
    open(sealed) {
      const id = sealed.split(".")[1] ?? "";
      if (!ring.byId.has(id)) ring = loadRing(keyFile);
      const box = ring.byId.get(id);
      if (!box) throw new Error(`secret sealed with key ${id}, which is neither the current key nor a retired one`);
      return box.open(sealed);
    },
    deriveKey(purpose) {
      reloadIfChanged();
      return ring.current.deriveKey(purpose);
    },
    knownKeyIds: () => [...ring.byId.keys()],
    reload: () => {
      ring = loadRing(keyFile);
    },
  };
}

function writeDurably(path: string, content: string, flag: "a" | "w"): void {
  const fd = openSync(path, flag, 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes `newKey` the current key: the old one is appended to the retired file first (so no
 * moment exists where a sealed row has no key), then the key file is replaced atomically.
 */
export function installNewKey(keyFile: string, newKey: Buffer): void {
  const old = readFileSync(keyFile, "utf8").trim();
  writeDurably(retiredKeysPath(keyFile), `${old}\n`, "a");
  const tmp = `${keyFile}.new`;
  writeDurably(tmp, `${newKey.toString("base64")}\n`, "w");
  renameSync(tmp, keyFile);
}

/** Drops retired keys except `keep` (ids); used once no row is sealed with them. */
export function forgetRetiredKeys(keyFile: string, keep: ReadonlySet<string> = new Set()): void {
  const kept = readRetired(keyFile).filter((k) => keep.has(createSecretBox(k).keyId));
  writeFileSync(retiredKeysPath(keyFile), kept.map((k) => `${k.toString("base64")}\n`).join(""), { mode: 0o600 });
}
