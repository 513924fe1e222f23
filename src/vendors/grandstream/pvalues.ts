/**
 * P-value numbers of the classic `<config version="1">` form (GXP21xx), kept as data so the
 * template only prints. Source of every number: FPBX `resources/templates/provision/grandstream/
 * gxp2140/{$mac}.xml` (fw 1.0.10.35, comments per parameter) and vendors.md G2/G3/G4.
 */
export interface AccountPValues {
  readonly active: string;
  readonly accountName: string;
  readonly server: string;
  readonly outboundProxy: string;
  readonly userId: string;
  readonly authId: string;
  readonly password: string;
  readonly displayName: string;
  readonly voicemail: string;
  readonly registration: string;
  /** Minutes (1-64800), FPBX comment "Register Expiration (in minutes)". */
  readonly registerExpires: string;
  /** 0 UDP, 1 TCP, 2 TLS/TCP. */
  readonly transport: string;
  readonly subscribeMwi: string;
  /** "Enable Call Features" (local star-code handling). */
  readonly callFeatures: string;
  /** "BLF Call-pickup": 0 Auto, 1 Force BLF Call-pickup by prefix, 2 Disabled. */
  readonly blfPickupMode: string;
  readonly blfPickupPrefix: string;
  readonly dndOn: string;
  readonly dndOff: string;
  readonly forwardAllOn: string;
  readonly forwardAllOff: string;
}

// Accounts 1..4: base numbers, then P4xx/P5xx/P6xx (vendors.md G2), extended P24xx.. and P261xx...
export const ACCOUNT_PVALUES: readonly AccountPValues[] = [
  account(["P271", "P270", "P47", "P48", "P35", "P36", "P34", "P3", "P33", "P31", "P32", "P130", "P99", "P191", "P6752", "P1347", "P2344", "P2345", "P26013", "P26014"]),
  account(["P401", "P417", "P402", "P403", "P404", "P405", "P406", "P407", "P426", "P410", "P412", "P448", "P415", "P420", "P6753", "P481", "P2444", "P2445", "P26113", "P26114"]),
  account(["P501", "P517", "P502", "P503", "P504", "P505", "P506", "P507", "P526", "P510", "P512", "P548", "P515", "P520", "P6754", "P581", "P2544", "P2545", "P26213", "P26214"]),
  account(["P601", "P617", "P602", "P603", "P604", "P605", "P606", "P607", "P626", "P610", "P612", "P648", "P615", "P620", "P6755", "P681", "P2644", "P2645", "P26313", "P26314"]),
];

function account(p: readonly string[]): AccountPValues {
  const [active, accountName, server, outboundProxy, userId, authId, password, displayName, voicemail] = p;
  const [registration, registerExpires, transport, subscribeMwi, callFeatures, blfPickupMode, blfPickupPrefix] = p.slice(9);
  const [dndOn, dndOff, forwardAllOn, forwardAllOff] = p.slice(16);
  return {
    active: active!, accountName: accountName!, server: server!, outboundProxy: outboundProxy!, userId: userId!,
    authId: authId!, password: password!, displayName: displayName!, voicemail: voicemail!,
    registration: registration!, registerExpires: registerExpires!, transport: transport!,
    subscribeMwi: subscribeMwi!, callFeatures: callFeatures!, blfPickupMode: blfPickupMode!,
    blfPickupPrefix: blfPickupPrefix!, dndOn: dndOn!, dndOff: dndOff!, forwardAllOn: forwardAllOn!,
    forwardAllOff: forwardAllOff!,
  };
}

export interface VpkPValues {
  readonly mode: string;
  readonly account: string;
  readonly label: string;
  readonly value: string;
}

/**
 * VPK n of a GXP21xx. FPBX gxp2140 template: VPKs 1..6 at mode P1363+2(n-1), account +1,
 * description +102, value +103 (VPK1 = P1363/P1364/P1465/P1466, matches vendors.md G4);
 * VPKs 7..48 "sequential starting at 23800 in groups of 4" (mode, account, description, value).
 */
export function vpkPValues(n: number): VpkPValues {
  if (n >= 1 && n <= 6) {
    const base = 1363 + 2 * (n - 1);
    return { mode: `P${base}`, account: `P${base + 1}`, label: `P${base + 102}`, value: `P${base + 103}` };
  }
  if (n >= 7 && n <= 48) {
    const base = 23800 + 4 * (n - 7);
    return { mode: `P${base}`, account: `P${base + 1}`, label: `P${base + 2}`, value: `P${base + 3}` };
  }
  throw new RangeError(`GXP21xx VPK ${n} has no documented P-value`);
}

/** Key-mode codes of a line-key ("fixed") VPK; a dynamic VPK uses the same code minus 10 (FPBX). */
export const FIXED_VPK_MODE = { none: -1, line: 0, speedDial: 10, blf: 11, callPark: 19 } as const;
export const DYNAMIC_VPK_OFFSET = 10;

/** Global settings (vendors.md G3; P64 `customize` + P246 from public P-value generators, see docs). */
export const GLOBAL_PVALUES = {
  adminPassword: "P2",
  ntpServer: "P30",
  allowDhcpNtp: "P144",
  timeZone: "P64",
  customTimeZone: "P246",
  configProtocol: "P212",
  configServerPath: "P237",
  configUsername: "P1360",
  configPassword: "P1361",
  /** "XML Config File Password" (vendors.md G7; Grandstream XML Provisioning Guide, "XML file encryption"). */
  configFilePassword: "P1359",
  autoCheckMode: "P194",
  autoCheckMinutes: "P193",
  /**
   * Action URL "Registered" / "Unregistered": GRP26xx Administration Guide, Table "Action URL
   * Parameters P-values" (https://www.easymanua.ls/grandstream-networks/grp26-series/manual/901479?p=85);
   * the same numbers are listed for GXP16xx/GXP21xx/GRP261x in the P-value tables collected by the
   * public `grandstream-actionurl-server` project. ⚠ not verified on GXP21xx hardware.
   */
  actionUrlRegistered: "P8305",
  actionUrlUnregistered: "P8306",
  // Firmware (vendors.md G3): server path, file prefix and postfix.
  firmwareServerPath: "P192",
  firmwarePrefix: "P232",
  firmwarePostfix: "P233",
} as const;
