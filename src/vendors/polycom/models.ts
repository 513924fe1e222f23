import type { ModelInfo } from "../vendor.ts";

export interface PolycomModel extends ModelInfo {
  /** Model token of the HTTP User-Agent (`FileTransport PolycomVVX-VVX_410-UA/...`), vendors.md P5. */
  readonly uaToken: string;
  /** Part number used in split firmware names (`<part>.sip.ld`); null when no source gives one. */
  readonly partNumber: string | null;
}

// Part numbers: vendors.md "Poly/Polycom identifiers" (PolyPyTools model_meta.py).
// Line keys: wazo-platform/wazo-provd-plugins plugins/wazo_polycom/common/common.py `_NB_FKEY`
// (phone keys without the expansion-module share): VVX150 2, VVX250 4, VVX3x0/3x1/350 6,
// VVX4x0/4x1/450/5x0/5x1 12, VVX6x0/6x1 16.
// Lines: one registration per physical line key. UCS allows up to 34 registrations on VVX 300-600
// only with expansion modules attached (VVX Expansion Module admin addendum UCS 4.1.6, p. 17:
// "up to 48 registration line keys and up to 34 line registrations when connected to three
// expansion modules"), which this table does not model.
// Edge E450: "16 - 50 line keys" over up to three pages (altigen-support.com Poly Edge user guide);
// the first page of 16 is what this table counts. Not confirmed by a Poly datasheet.
function vvx(id: string, family: string, keys: number, partNumber: string): PolycomModel {
  return { id, family, lines: keys, keys, uaToken: `VVX_${id.slice(3)}`, partNumber };
}

export const POLYCOM_MODELS: Readonly<Record<string, PolycomModel>> = {
  VVX300: vvx("VVX300", "vvx-x0", 6, "3111-46135-002"),
  VVX310: vvx("VVX310", "vvx-x0", 6, "3111-46161-001"),
  VVX400: vvx("VVX400", "vvx-x0", 12, "3111-46157-002"),
  VVX410: vvx("VVX410", "vvx-x0", 12, "3111-46162-001"),
  VVX500: vvx("VVX500", "vvx-x0", 12, "3111-44500-001"),
  VVX600: vvx("VVX600", "vvx-x0", 16, "3111-44600-001"),
  VVX301: vvx("VVX301", "vvx-x1", 6, "3111-48300-001"),
  VVX311: vvx("VVX311", "vvx-x1", 6, "3111-48350-001"),
  VVX401: vvx("VVX401", "vvx-x1", 12, "3111-48400-001"),
  VVX411: vvx("VVX411", "vvx-x1", 12, "3111-48450-001"),
  VVX501: vvx("VVX501", "vvx-x1", 12, "3111-48500-001"),
  VVX601: vvx("VVX601", "vvx-x1", 16, "3111-48600-001"),
  VVX150: vvx("VVX150", "vvx-x50", 2, "3111-48810-001"),
  VVX250: vvx("VVX250", "vvx-x50", 4, "3111-48820-001"),
  VVX350: vvx("VVX350", "vvx-x50", 6, "3111-48830-001"),
  VVX450: vvx("VVX450", "vvx-x50", 12, "3111-48840-001"),
  EdgeE450: { id: "EdgeE450", family: "edge-e", lines: 16, keys: 16, uaToken: "Edge_E450", partNumber: null },
};

/** Model id for a User-Agent token: `VVX_410` → `VVX410`, `Edge_E450` → `EdgeE450` (vendors.md P5). */
export function modelFromUaToken(token: string): string | null {
  const id = token.replace(/_/g, "");
  return Object.hasOwn(POLYCOM_MODELS, id) ? id : null;
}
