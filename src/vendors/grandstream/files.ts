import { parseMac, type Mac } from "../../domain/mac.ts";
import type { FileDescriptor } from "../vendor.ts";
import { findModel, type GrandstreamModel } from "./models.ts";

/**
 * The names a Grandstream phone asks for (vendors.md G1), in its order:
 * `cfg<mac>` (legacy proprietary encrypted binary) → `cfg<mac>.xml` → `cfg<model>.xml` → `cfg.xml`.
 *
 * `cfg<mac>` is recognised but never served: its format is proprietary and encrypted (G7), and
 * when it is missing the phone goes on to `cfg<mac>.xml` (G1).
 */
export type GrandstreamFile =
  | { readonly kind: "device"; readonly mac: Mac }
  | { readonly kind: "legacy-binary"; readonly mac: Mac }
  | { readonly kind: "model"; readonly model: GrandstreamModel }
  | { readonly kind: "generic" };

// Strict: lowercase MAC, exact names. `cfg<MAC>.xml` in uppercase is not a name the phone asks for.
const DEVICE_XML = /^cfg([0-9a-f]{12})\.xml$/;
const LEGACY_BINARY = /^cfg([0-9a-f]{12})$/;
const MODEL_XML = /^cfg([a-z]{3}[0-9]{4})\.xml$/;
const GENERIC_FILE = "cfg.xml";
const MAX_NAME_LENGTH = 64;

export function parseFileName(name: string): GrandstreamFile | null {
  if (typeof name !== "string" || name.length > MAX_NAME_LENGTH) return null;
  if (name === GENERIC_FILE) return { kind: "generic" };
  const device = DEVICE_XML.exec(name);
  if (device) {
    const mac = parseMac(device[1]!);
    return mac ? { kind: "device", mac } : null;
  }
  const legacy = LEGACY_BINARY.exec(name);
  if (legacy) {
    const mac = parseMac(legacy[1]!);
    return mac ? { kind: "legacy-binary", mac } : null;
  }
  const model = MODEL_XML.exec(name);
  if (model) {
    const info = findModel(model[1]!.toUpperCase());
    return info ? { kind: "model", model: info } : null;
  }
  return null;
}

function deviceFileName(mac: Mac): string {
  return `cfg${mac}.xml`;
}

/** `cfggrp2614.xml`: lowercase model (vendors.md G1, model table). */
function modelFileName(model: GrandstreamModel): string {
  return `cfg${model.id.toLowerCase()}.xml`;
}

/** The XML files the phone asks for at boot; the legacy binary `cfg<mac>` is left out because we never serve it. */
export function bootFilesFor(mac: Mac, model: string): readonly FileDescriptor[] {
  const info = findModel(model);
  const files: FileDescriptor[] = [{ name: deviceFileName(mac), kind: "device" }];
  if (info) files.push({ name: modelFileName(info), kind: "common" });
  files.push({ name: GENERIC_FILE, kind: "common" });
  return files;
}
