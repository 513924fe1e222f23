/**
 * Yealink MAC prefixes. IEEE MA-L assignments to "XIAMEN YEALINK NETWORK TECHNOLOGY CO.,LTD" /
 * "YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD.": every entry of the IEEE OUI registry under either
 * name (oui.csv as shipped by Debian's ieee-data 20220827.1). Later assignments that registry copy
 * does not hold yet come from provisioning projects that meet them on real phones, named per row.
 * Used only for phones that are not in the database (src/vendors/shared/oui.ts).
 */
export const YEALINK_OUI_TABLE = [
  { oui: "001565", source: "IEEE MA-L: XIAMEN YEALINK NETWORK TECHNOLOGY CO.,LTD" },
  { oui: "249ad8", source: "IEEE MA-L: YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD." },
  { oui: "805e0c", source: "IEEE MA-L: YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD." },
  { oui: "805ec0", source: "IEEE MA-L: YEALINK(XIAMEN) NETWORK TECHNOLOGY CO.,LTD." },
  { oui: "44dbd2", source: "nethesis/tancredi data/patterns.d/yealink.ini (not in the 2022 registry copy)" },
  { oui: "c4fc22", source: "nethesis/tancredi data/patterns.d/yealink.ini (not in the 2022 registry copy)" },
  { oui: "e434d7", source: "Wazo plugins/wazo_yealink/v86/common.py KNOWN_MAC_PREFIXES (not in the 2022 registry copy)" },
] as const;
