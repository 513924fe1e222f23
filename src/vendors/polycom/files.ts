import { isMac, type Mac } from "../../domain/mac.ts";
import type { FileDescriptor } from "../vendor.ts";

/**
 * File names this adapter serves. The phone asks for `<mac>.cfg`, else `000000000000.cfg`
 * (vendors.md P1); both master files list the same config files, device file first because the
 * first occurrence of a parameter wins (P1). Names must not collide with what the phone itself
 * uploads: `<mac>-phone.cfg`, `<mac>-web.cfg`, `-license.cfg`, `-directory.xml`, `-app.log`, `-boot.log`.
 */
const COMMON_MASTER_FILE = "000000000000.cfg";
const COMMON_CONFIG_FILE = "phonehome-common.cfg";
const DEVICE_CONFIG_SUFFIX = "-phonehome.cfg";

const deviceMasterFile = (mac: Mac): string => `${mac}.cfg`;
// `<mac>-directory.xml` (role `device-directory`): the phone's contact directory, fetched at boot
// from CONTACTS_DIRECTORY (vendors.md P1). Served only to a phone whose layout has speed-dial keys
// (its entries back them, see keys.ts); for any other phone it stays unserved (404), so the phone
// keeps its own contacts.
const deviceConfigFile = (mac: Mac): string => `${mac}${DEVICE_CONFIG_SUFFIX}`;

export type ServedFile =
  | { readonly role: "common-master" | "common-config"; readonly kind: "common"; readonly mac: null }
  | { readonly role: "device-master" | "device-config" | "device-directory"; readonly kind: "device"; readonly mac: Mac };

const DEVICE_FILE = /^([0-9a-f]{12})(\.cfg|-phonehome\.cfg|-directory\.xml)$/;
// Names the phone requests or uploads that this adapter does not serve (vendors.md P1):
// they still tell us the vendor and the MAC.
const FOREIGN_DEVICE_FILE = /^([0-9a-f]{12})-(?:phone\.cfg|web\.cfg|license\.cfg|app\.log|boot\.log)$/;
const FOREIGN_COMMON_FILE = /^000000000000-(?:license\.cfg|directory\.xml)$/;

/** Parses a requested name strictly; null when this adapter does not serve it. */
export function parseServedFile(name: string): ServedFile | null {
  if (name === COMMON_MASTER_FILE) return { role: "common-master", kind: "common", mac: null };
  if (name === COMMON_CONFIG_FILE) return { role: "common-config", kind: "common", mac: null };
  const m = DEVICE_FILE.exec(name);
  if (!m || !isMac(m[1]!)) return null;
  const role = m[2] === ".cfg" ? "device-master" : m[2] === "-directory.xml" ? "device-directory" : "device-config";
  return { role, kind: "device", mac: m[1] as Mac };
}

/** A Polycom-specific name we do not serve (phone uploads, licences, directories). */
export function parseForeignFile(name: string): { readonly mac: Mac | null } | null {
  if (FOREIGN_COMMON_FILE.test(name)) return { mac: null };
  const m = FOREIGN_DEVICE_FILE.exec(name);
  if (!m || !isMac(m[1]!)) return null;
  return { mac: m[1] as Mac };
}

export function bootFileList(mac: Mac): readonly FileDescriptor[] {
  return [
    { name: deviceMasterFile(mac), kind: "device" },
    { name: deviceConfigFile(mac), kind: "device" },
    { name: COMMON_CONFIG_FILE, kind: "common" },
  ];
}

/** CONFIG_FILES of both master files: the device file first (left-most wins, vendors.md P1). */
export const CONFIG_FILES_MACRO = `[PHONE_MAC_ADDRESS]${DEVICE_CONFIG_SUFFIX}, ${COMMON_CONFIG_FILE}`;
export const configFilesFor = (mac: Mac): string => `${deviceConfigFile(mac)}, ${COMMON_CONFIG_FILE}`;
