/**
 * Grandstream MAC prefixes: every IEEE MA-L assignment to "Grandstream Networks, Inc." /
 * "Grandstream Networks Inc" in the IEEE OUI registry (oui.csv as shipped by Debian's ieee-data
 * 20220827.1). Used only for phones that are not in the database (src/vendors/shared/oui.ts).
 */
export const GRANDSTREAM_OUI_TABLE = [
  { oui: "000b82", source: "IEEE MA-L: Grandstream Networks, Inc." },
  { oui: "c074ad", source: "IEEE MA-L: Grandstream Networks, Inc." },
  { oui: "ec74d7", source: "IEEE MA-L: Grandstream Networks Inc" },
] as const;
