import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, linkSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";
import { eq } from "drizzle-orm";
import { first, type Query } from "../db/data.ts";
import { conflict, invalidInput, notFound, payloadTooLarge } from "../errors.ts";
import { identifyRequest } from "../provisioning/identify-device.ts";
import { auditChangeIn } from "../services/actor.ts";
import type { ServiceDeps } from "../services/deps.ts";
import { resolveModel } from "../services/devices.ts";
import { isVendorId, VENDOR_IDS, VENDOR_LIST } from "../vendors/registry.ts";
import type { VendorId } from "../vendors/vendor.ts";
import { firmwareByFileNameIn } from "./catalogue.ts";
import { requireVersion, sanitizeOriginalName, servedName } from "./names.ts";
import type { FirmwareRow } from "../db/rows.ts";

export interface FirmwareDeps extends ServiceDeps {
  readonly firmwareDir: string;
}

export interface FirmwareInput {
  readonly vendor: string;
  readonly models: readonly string[];
  readonly version: string;
  /** The vendor's file name (only its last segment counts, sanitised). */
  readonly name: string;
}

interface Checked {
  readonly vendor: VendorId;
  readonly models: string[];
  readonly version: string;
  readonly originalName: string;
  readonly fileName: string;
}

export function requireVendor(vendor: string): VendorId {
  const v = vendor.toLowerCase();
  if (!isVendorId(v)) throw invalidInput(`vendor: unknown vendor "${vendor.slice(0, 32)}" (known: ${VENDOR_IDS.join(", ")})`);
  return v;
}

/** Validates everything before a byte is stored; the same checks for the CLI and the API. */
async function checkFirmwareInput(deps: ServiceDeps, input: FirmwareInput): Promise<Checked> {
  const vendor = requireVendor(input.vendor);
  if (input.models.length === 0) throw invalidInput("models: give at least one model");
  const models = [...new Set(input.models.map((m) => resolveModel(vendor, m.trim()).id))];
  const version = requireVersion(input.version);
  const originalName = sanitizeOriginalName(input.name);
  const fileName = servedName(version, originalName);
  // A vendor config name must never be shadowed by (or shadow) an image.
  if (identifyRequest({ transport: "http", fileName, remoteAddress: "127.0.0.1" }, VENDOR_LIST)) {
    throw invalidInput(`name: ${fileName} is a provisioning file name; rename the image`);
  }
  if (await deps.data.read((q) => firmwareByFileNameIn(q, fileName))) throw alreadyCatalogued(fileName);
  return { vendor, models, version, originalName, fileName };
}

const alreadyCatalogued = (fileName: string) => conflict(`name: firmware ${fileName} is already in the catalogue`);

/** Counts and hashes the bytes going through; fails once more than `limit` have passed. */
function meter(limit: number) {
  const hash = createHash("sha256");
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > limit) return cb(payloadTooLarge(`the image is larger than the limit of ${limit} bytes`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest("hex") }) };
}

/**
 * Stores an image from a stream (API upload or local file) and catalogues it. The file is
 * written under a random temporary name in `<firmwareDir>/<vendor>/`, then given the generated
 * name with a hard link, which fails when a file of that name exists: of two uploads of one name at
 * once, the second gets 409 and neither replaces nor removes the first's file (a rename would have
 * replaced it, and the loser's clean-up then deleted it). The row is inserted last, and the file,
 * ours alone, removed again if that fails.
 */
// Checks the name again and inserts: serializable on PostgreSQL (the default); the unique index on
// file_name refuses a second row on both.
export async function addFirmware(deps: FirmwareDeps, input: FirmwareInput, body: Readable, limit: number): Promise<FirmwareRow> {
  const c = await checkFirmwareInput(deps, input);
  const dir = join(deps.firmwareDir, c.vendor);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.incoming-${randomBytes(8).toString("hex")}`);
  const final = join(dir, c.fileName);
  const m = meter(limit);
  try {
    await pipeline(body, m.stream, createWriteStream(temp, { flags: "wx", mode: 0o644 }));
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  const { size, sha256 } = m.result();
  if (size === 0) {
    rmSync(temp, { force: true });
    throw invalidInput("file: the image is empty");
  }
  try {
    linkSync(temp, final);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    throw conflict(
      `name: a file ${c.fileName} is already in the firmware folder (${c.vendor}/): another upload of that name is under way, or an interrupted one left it. ` +
        "If `phonehome firmware list` does not show it once uploads are done, remove the file and upload again",
    );
  } finally {
    rmSync(temp, { force: true });
  }
  try {
    return await deps.data.write(async (q) => {
      if (await firmwareByFileNameIn(q, c.fileName)) throw alreadyCatalogued(c.fileName);
      const [row] = await q.db
        .insert(q.t.firmwareImages)
        .values({ ...c, size, sha256, createdAt: deps.clock().getTime() })
        .returning();
      await auditChangeIn(q, deps, { action: "firmware.create", target: `firmware:${row!.fileName}`, after: row });
      return row!;
    });
  } catch (err) {
    rmSync(final, { force: true });
    throw err;
  }
}

export async function addFirmwareFile(deps: FirmwareDeps, path: string, input: Omit<FirmwareInput, "name"> & { name?: string }, limit: number): Promise<FirmwareRow> {
  const checked = { ...input, name: input.name ?? path };
  await checkFirmwareInput(deps, checked); // fail before opening the file
  return addFirmware(deps, checked, createReadStream(path), limit);
}

export function getFirmware(deps: ServiceDeps, id: number): Promise<FirmwareRow> {
  return deps.data.read((q) => loadFirmware(q, id));
}

/** getFirmware in a `data.read` or `data.write`: the image, or 404. */
async function loadFirmware(q: Query, id: number): Promise<FirmwareRow> {
  const row = Number.isSafeInteger(id) ? first(await q.db.select().from(q.t.firmwareImages).where(eq(q.t.firmwareImages.id, id)).limit(1)) : undefined;
  if (!row) throw notFound(`no firmware image ${String(id).slice(0, 20)}`);
  return row;
}

/** Removes an image that no tenant pins; the file goes after the row. */
// Reads whether a tenant pins the image, then deletes it: serializable on PostgreSQL (the default),
// so a pin set meanwhile makes one of the two fail instead of pointing at a deleted image.
export async function deleteFirmware(deps: FirmwareDeps, id: number): Promise<void> {
  const row = await deps.data.write(async (q) => {
    const { firmwareImages: i, firmwarePins: p } = q.t;
    const image = await loadFirmware(q, id);
    const pin = first(await q.db.select({ tenantId: p.tenantId }).from(p).where(eq(p.firmwareId, image.id)).limit(1));
    if (pin) throw conflict(`firmware ${image.fileName} is pinned by a tenant; unpin it first`);
    await q.db.delete(i).where(eq(i.id, image.id));
    await auditChangeIn(q, deps, { action: "firmware.delete", target: `firmware:${image.fileName}`, before: image });
    return image;
  });
  rmSync(join(deps.firmwareDir, row.vendor, row.fileName), { force: true });
}
