import { describeTimeZone } from "../../../src/domain/time-zone.ts";
import type { Mac } from "../../../src/domain/mac.ts";
import type { KeyConfig, PhoneConfig } from "../../../src/domain/phone-config.ts";
import { blf, buildLine, buildPhoneConfig, GOLDEN_NOW } from "../../helpers/phone-config.ts";

/** Phone configs shared by the golden and the parameter tests; file names are `<case>.cfg`. */
export interface DeviceCase {
  readonly name: string;
  readonly config: PhoneConfig;
}

const speedParkFeature: KeyConfig[] = [
  { index: 1, kind: "line", label: "101", line: 1 },
  { index: 2, kind: "speed_dial", label: "Lobby", line: 1, number: "5551234" },
  { index: 3, kind: "park", label: "Park", line: 1, code: "***" },
  { index: 4, kind: "feature", label: "DND On", line: 1, feature: "dnd_on", code: "*78" },
];

export const DEVICE_CASES: readonly DeviceCase[] = [
  {
    name: "T54W-demo",
    config: buildPhoneConfig("yealink", "T54W", "805ec0a1b254", {
      lines: [buildLine(1, "101", { displayName: "Zoë Ångström" })],
      keys: [{ index: 1, kind: "line", label: "101", line: 1 }, blf(2, "102"), blf(3, "103"), blf(4, "104")],
    }),
  },
  {
    name: "T46U-two-lines",
    config: buildPhoneConfig("yealink", "T46U", "805ec0a1b246", {
      lines: [buildLine(1, "104", { displayName: "R&D <Lab>" }), buildLine(2, "101")],
      keys: [
        { index: 1, kind: "line", label: "104", line: 1 },
        { index: 2, kind: "line", label: "101", line: 2 },
      ],
      sip: {
        domain: "demo.example",
        server: { host: "pbx.demo.example", port: 5061, transport: "tls" },
        outboundProxy: { host: "edge.demo.example", port: 5070 },
        registerExpires: 600,
      },
    }),
  },
  {
    name: "T46S-keys",
    config: buildPhoneConfig("yealink", "T46S", "805ec0a1b2c6", {
      keys: speedParkFeature,
      time: { zone: describeTimeZone("Europe/Berlin", GOLDEN_NOW), ntpServers: ["ntp.demo.example"] },
    }),
  },
  {
    name: "T33G-keys",
    config: buildPhoneConfig("yealink", "T33G", "249ad8a1b233", {
      keys: speedParkFeature,
      time: { zone: describeTimeZone("Asia/Kolkata", GOLDEN_NOW), ntpServers: [] },
      provisioning: {
        baseUrl: "https://prov.demo.example/p/",
        username: "ph249ad8a1b233",
        password: "prov-secret-abcdef0123456789",
        resyncMinutes: 0,
      },
    }),
  },
  {
    // Extension settings with a phone-side effect (docs/extensions.md): line 1 anonymous, no
    // voicemail (no MWI), calls not queued (call waiting off, phone-wide from line 1); line 2 default.
    name: "T46U-extension-settings",
    config: buildPhoneConfig("yealink", "T46U", "805ec0a1b247", {
      lines: [buildLine(1, "105", { anonymous: true, voicemailEnabled: false, callWaiting: false }), buildLine(2, "106")],
      keys: [blf(1, "101"), blf(2, "102")],
    }),
  },
  {
    // T54W and T46U take modules too (Wazo v86/v87: EXP50 / EXP43, 3 × 60 keys). Two EXP50 on a T54W
    // (27 own keys): key 28 is module 1 key 1, key 147 module 2 key 60.
    name: "T54W-two-expansion-modules",
    config: buildPhoneConfig("yealink", "T54W", "805ec0a1b256", {
      device: { mac: "805ec0a1b256" as Mac, vendor: "yealink", model: "T54W", label: "Reception", adminPassword: "Adm1n-Secret-42", expansionModules: 2 },
      keys: [{ index: 1, kind: "line", label: "101", line: 1 }, blf(28, "103"), blf(147, "104")],
    }),
  },
  {
    // One expansion module on a T54S (27 own keys, modules of 60): key 28 is module 1 key 1, key 87
    // its last key; the module's other keys are cleared. Key 88 would be a second module's and is dropped.
    name: "T54S-expansion-module",
    config: buildPhoneConfig("yealink", "T54S", "805ec0a1b255", {
      device: { mac: "805ec0a1b255" as Mac, vendor: "yealink", model: "T54S", label: "Reception", adminPassword: "Adm1n-Secret-42", expansionModules: 1 },
      keys: [{ index: 1, kind: "line", label: "101", line: 1 }, blf(27, "102"), blf(28, "103"), blf(87, "104"), blf(88, "105")],
    }),
  },
  {
    // DECT base (docs/vendors/yealink.md "DECT bases"): line N = account N = handset N, named after
    // the line; accounts 3-8 stay disabled. No key is written: a base has none.
    name: "W60B-handsets",
    config: buildPhoneConfig("yealink", "W60B", "805ec0a1b260", {
      lines: [buildLine(1, "101", { displayName: "Warehouse" }), buildLine(2, "102", { displayName: "Zoë Ångström" })],
      keys: [],
    }),
  },
  {
    // W70B: 10 accounts (Wazo v87). Line 10 on handset 10, behind the tenant's outbound proxy.
    name: "W70B-handsets",
    config: buildPhoneConfig("yealink", "W70B", "805ec0a1b270", {
      lines: [buildLine(1, "201"), buildLine(10, "210", { displayName: "Night porter" })],
      keys: [],
      sip: {
        domain: "demo.example",
        server: { host: "pbx.demo.example", port: 5061, transport: "tls" },
        outboundProxy: { host: "edge.demo.example", port: 5070 },
        registerExpires: 600,
      },
    }),
  },
];
