import { isMac, type Mac } from "../../domain/mac.ts";
import type { FileDescriptor } from "../vendor.ts";
import { COMMON_FILE_IDS, commonFileName, findModel } from "./models.ts";

/**
 * The files this adapter serves (vendors.md Y1). Firmware ≥ V81 asks `<mac>.boot`, else
 * `y000000000000.boot`, then the files the boot file lists; without a boot file it falls back to
 * `y0000000000XX.cfg` then `<mac>.cfg`. MAC names are lowercase.
 */
export type YealinkFile =
  | { readonly kind: "mac-boot"; readonly mac: Mac }
  | { readonly kind: "common-boot" }
  | { readonly kind: "model-common"; readonly commonFileId: string }
  | { readonly kind: "device"; readonly mac: Mac };

const COMMON_BOOT_FILE = "y000000000000.boot";

// Exact shapes only: 12 lowercase hex digits, no separators, nothing before or after.
const MAC_FILE = /^([0-9a-f]{12})\.(boot|cfg)$/;
const MODEL_COMMON_FILE = /^y000000000(\d{3})\.cfg$/;

/** Classifies a requested file name; null when it is not a file this adapter serves. */
export function classifyFile(fileName: string): YealinkFile | null {
  if (fileName === COMMON_BOOT_FILE) return { kind: "common-boot" };
  const common = MODEL_COMMON_FILE.exec(fileName);
  if (common) {
    const id = common[1]!;
    return COMMON_FILE_IDS.includes(id) ? { kind: "model-common", commonFileId: id } : null;
  }
  const byMac = MAC_FILE.exec(fileName);
  if (!byMac || !isMac(byMac[1]!)) return null;
  const mac = byMac[1] as Mac;
  return byMac[2] === "boot" ? { kind: "mac-boot", mac } : { kind: "device", mac };
}

function macBootFileName(mac: Mac): string {
  return `${mac}.boot`;
}

export function deviceFileName(mac: Mac): string {
  return `${mac}.cfg`;
}

/**
 * What a V8x phone fetches: its `<mac>.boot` (served for every provisioned phone), then the files
 * that boot file includes, top to bottom: the model common file, then `<mac>.cfg`.
 */
export function bootFilesFor(mac: Mac, modelId: string): FileDescriptor[] {
  const model = findModel(modelId);
  const files: FileDescriptor[] = [{ name: macBootFileName(mac), kind: "device" }];
  if (model) files.push({ name: commonFileName(model.commonFileId), kind: "common" });
  files.push({ name: deviceFileName(mac), kind: "device" });
  return files;
}
