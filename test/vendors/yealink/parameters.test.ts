import { describe, expect, it } from "vitest";
import { builtinTemplates } from "../../helpers/templates.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";
import { COMMON_FILE_IDS, modelsWithCommonFile } from "../../../src/vendors/yealink/models.ts";
import { DEVICE_CASES } from "./golden-cases.ts";

const templates = builtinTemplates("yealink");

/**
 * Every parameter the adapter may write, numbers replaced by N, with its source. A name not in
 * this list fails the test: nothing is emitted that was not looked up.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  "account.N.enable": "vendors.md Y3",
  "account.N.label": "vendors.md Y3",
  "account.N.display_name": "vendors.md Y3",
  "account.N.user_name": "vendors.md Y3",
  "account.N.auth_name": "vendors.md Y3",
  "account.N.password": "vendors.md Y3",
  "account.N.sip_server.N.address": "vendors.md Y3",
  "account.N.sip_server.N.port": "vendors.md Y3",
  "account.N.sip_server.N.transport_type": "vendors.md Y3 (0 UDP, 1 TCP, 2 TLS)",
  "account.N.sip_server.N.expires": "vendors.md Y3",
  "account.N.nat.udp_update_enable": "Wazo wazo_yealink v86/v87 base.tpl (NAT keep-alive)",
  "account.N.outbound_proxy_enable": "vendors.md Y3",
  "account.N.outbound_proxy.N.address": "vendors.md Y3",
  "account.N.outbound_proxy.N.port": "vendors.md Y3",
  "account.N.subscribe_mwi": "vendors.md Y3",
  "account.N.subscribe_mwi_to_vm": "vendors.md Y3",
  "voice_mail.number.N": "vendors.md Y3",
  "account.N.anonymous_call": "Admin Guide T5 'Anonymous Call Configuration' (easymanua.ls t5-series 730711 p=236)",
  "call_waiting.enable": "Wazo wazo-provd-plugins yealink v8x templates/base.tpl (call_waiting.enable = 0/1)",
  "account.N.dnd.on_code": "vendors.md Y3",
  "account.N.dnd.off_code": "vendors.md Y3",
  "account.N.always_fwd.on_code": "vendors.md Y3",
  "account.N.always_fwd.off_code": "vendors.md Y3",
  "features.dnd_mode": "vendors.md Y3; 0 Phone / 1 Custom: Admin Guide (easymanua.ls sip-t2xp p=333)",
  "features.fwd_mode": "vendors.md Y3; 0 Phone / 1 Custom: Admin Guide (manualshive sip-t5-series page=407)",
  "account.N.direct_pickup_code": "Admin Guide 'Directed Call Pickup Code' (manualshive t48g page=455)",
  "linekey.N.type": "vendors.md Y4",
  "linekey.N.line": "vendors.md Y4",
  "linekey.N.value": "vendors.md Y4",
  "linekey.N.label": "vendors.md Y4",
  "linekey.N.extension": "vendors.md Y4; V8x BLF pickup field (Wazo v86 common.py, tancredi V84 template)",
  "expansion_module.N.key.N.type": "vendors.md Y4; Yealink V84 template 'Expansion Key' (fusionpbx yealink/t54w/y000000000096.cfg)",
  "expansion_module.N.key.N.line": "vendors.md Y4; Yealink V84 template 'Expansion Key' (fusionpbx yealink/t54w/y000000000096.cfg)",
  "expansion_module.N.key.N.value": "vendors.md Y4; Yealink V84 template 'Expansion Key' (fusionpbx yealink/t54w/y000000000096.cfg)",
  "expansion_module.N.key.N.label": "vendors.md Y4; Yealink V84 template 'Expansion Key' (fusionpbx yealink/t54w/y000000000096.cfg)",
  "expansion_module.N.key.N.extension": "vendors.md Y4; Yealink V84 template 'Expansion Key' (fusionpbx yealink/t54w/y000000000096.cfg)",
  "programablekey.N.type": "vendors.md Y4",
  "programablekey.N.value": "vendors.md Y4",
  "programablekey.N.label": "vendors.md Y4",
  "local_time.time_zone": "vendors.md Y3",
  "local_time.summer_time": "vendors.md Y3",
  "local_time.dst_time_type": "vendors.md Y3",
  "local_time.start_time": "vendors.md Y3",
  "local_time.end_time": "vendors.md Y3",
  "local_time.offset_time": "vendors.md Y3",
  "local_time.dhcp_time": "vendors.md Y3",
  "local_time.ntp_server1": "vendors.md Y3",
  "local_time.ntp_server2": "vendors.md Y3",
  "static.auto_provision.server.url": "vendors.md Y3",
  "static.auto_provision.server.username": "vendors.md Y3",
  "static.auto_provision.server.password": "vendors.md Y3",
  "static.auto_provision.repeat.enable": "vendors.md Y3",
  "static.auto_provision.repeat.minutes": "vendors.md Y3",
  "static.security.user_password": "vendors.md Y3 (admin:<password>)",
  "static.firmware.url": "vendors.md Y3 (Firmware: full URL of the .rom)",
  "static.auto_provision.user_agent_mac.enable": "vendors.md Y3",
  "overwrite_mode": "vendors.md Y1 (boot files)",
  "sip.notify_reboot_enable": "vendors.md Y3/Y6 (0 = reboot only on reboot=true)",
  "action_url.registered": "Admin Guide T2/T4/T5/CP920 'Action URL' (easymanua.ls yealink/t21pe2 p=450)",
  "action_url.unregistered": "Admin Guide T2/T4/T5/CP920 'Action URL' (easymanua.ls yealink/t21pe2 p=450)",
  "action_url.register_failed": "Admin Guide T2/T4/T5/CP920 'Action URL' (easymanua.ls yealink/t21pe2 p=450)",
  "handset.N.name": "FusionPBX yealink/w60b y000000000077.cfg 'Number Assignment'; Wazo xivo-yealink W52P model.tpl",
  "handset.N.incoming_lines": "FusionPBX yealink/w60b y000000000077.cfg 'Number Assignment'; Wazo xivo-yealink W52P model.tpl",
  "handset.N.dial_out_lines": "FusionPBX yealink/w60b y000000000077.cfg 'Number Assignment'; Wazo xivo-yealink W52P model.tpl",
  "handset.N.dial_out_default_line": "FusionPBX yealink/w60b y000000000077.cfg 'Number Assignment'; Wazo xivo-yealink W52P model.tpl",
};

interface Parsed { params: [string, string][]; includes: string[]; sections: string[] }

/** Reads a Yealink file the way the phone does: version line, comments, key = value, boot statements. */
function parse(body: string): Parsed {
  const [first, ...rest] = body.split("\n");
  expect(first).toBe("#!version:1.0.0.1");
  const parsed: Parsed = { params: [], includes: [], sections: [] };
  for (const line of rest) {
    if (line === "" || line.startsWith("#")) continue;
    // `[<model>]include:config "<file>"`: the model section prefixes the include (FusionPBX boot files).
    const include = /^(?:\[([A-Z0-9]+)\])?include:config "([^"]+)"$/.exec(line);
    const param = /^([a-z0-9_.]+) = (.*)$/.exec(line);
    if (include) {
      parsed.includes.push(include[2]!);
      if (include[1]) parsed.sections.push(include[1]);
    }
    else if (param) parsed.params.push([param[1]!, param[2]!]);
    else throw new Error(`unparsable line: ${line}`);
  }
  return parsed;
}

const generic = (name: string): string => name.replace(/\.\d+(?=\.|$)/g, ".N");

function expectAllowed(body: string): Parsed {
  const parsed = parse(body);
  for (const [name] of parsed.params) expect(ALLOWED, `${name} has no source`).toHaveProperty([generic(name)]);
  return parsed;
}

const YEALINK_MODELS_BY_FILE: Record<string, string> = Object.fromEntries(
  COMMON_FILE_IDS.flatMap((id) => modelsWithCommonFile(id).map((m) => [m.id, `y000000000${id}.cfg`])),
);

describe("yealink parameters", () => {
  it("names a pinned image by its full URL, and nothing when none is pinned", () => {
    const { config } = DEVICE_CASES[0]!;
    const url = "http://prov.demo.example:8080/96.86.0.100-T54W_T57W_T53W_-96.86.0.100.rom";
    const pinned = { ...config, firmware: { version: "96.86.0.100", fileName: url.split("/").pop()!, originalName: "T54W_T57W_T53W_-96.86.0.100.rom", url } };
    const { params } = expectAllowed(yealink.render(`${config.device.mac}.cfg`, pinned, templates)!.body);
    expect(params).toContainEqual(["static.firmware.url", url]);
    const plain = expectAllowed(yealink.render(`${config.device.mac}.cfg`, config, templates)!.body);
    expect(plain.params.map(([n]) => n)).not.toContain("static.firmware.url");
  });

  it.each(DEVICE_CASES)("$name: every device parameter has a source, none is written twice", ({ config }) => {
    const { params } = expectAllowed(yealink.render(`${config.device.mac}.cfg`, config, templates)!.body);
    const names = params.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(DEVICE_CASES)("$name: the boot file includes the model common file, then the phone's file", ({ config }) => {
    const { includes, params } = expectAllowed(yealink.render(`${config.device.mac}.boot`, config, templates)!.body);
    const files = yealink.bootFiles(config.device.mac, config.device.model).map((f) => f.name);
    expect(includes).toEqual(files.slice(1));
    expect(params).toEqual([["overwrite_mode", "1"]]);
  });

  it.each(COMMON_FILE_IDS)("common file %s: only allowed parameters, no secret", (id) => {
    const body = yealink.render(`y000000000${id}.cfg`, null, templates)!.body;
    expect(expectAllowed(body).params).toEqual([["static.auto_provision.user_agent_mac.enable", "1"]]);
  });

  it("the generic boot file names each model's common file and no phone", () => {
    const { includes, sections } = expectAllowed(yealink.render("y000000000000.boot", null, templates)!.body);
    expect(sections).toEqual(Object.keys(YEALINK_MODELS_BY_FILE));
    expect(includes).toEqual(Object.values(YEALINK_MODELS_BY_FILE));
    expect(sections).toEqual(expect.arrayContaining(["T53", "T53W"]));
    expect(includes.some((f) => /^[0-9a-f]{12}\.cfg$/.test(f))).toBe(false);
  });
});
