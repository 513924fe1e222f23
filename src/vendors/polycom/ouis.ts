/**
 * Poly / Polycom MAC prefixes. IEEE MA-L assignments to "Polycom", "Poly" and "PLANTRONICS, INC."
 * (the legal name of Poly since Plantronics bought Polycom in 2018): every entry of the IEEE OUI
 * registry under those names (oui.csv as shipped by Debian's ieee-data 20220827.1; no "HP-Poly" or
 * "HP" phone entry is in it). Used only for phones that are not in the database
 * (src/vendors/shared/oui.ts).
 */
export const POLYCOM_OUI_TABLE = [
  { oui: "0004f2", source: "IEEE MA-L: Polycom" },
  { oui: "64167f", source: "IEEE MA-L: Polycom" },
  { oui: "482567", source: "IEEE MA-L: Poly" },
  // ⚠ IEEE lists 00907A under "Spectralink, Inc" (Polycom's wireless unit until 2012); FusionPBX
  // app/provision device.php treats it as Polycom.
  { oui: "00907a", source: "IEEE MA-L: Spectralink, Inc; Polycom per FusionPBX device.php" },
  { oui: "000389", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "00197f", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "00237f", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "0ce0e4", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "385c76", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "48c1ac", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "bcf292", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "e422a5", source: "IEEE MA-L: PLANTRONICS, INC." },
  { oui: "f4b688", source: "IEEE MA-L: PLANTRONICS, INC." },
] as const;
