import { describe, expect, it } from "vitest";
import { expectGolden } from "../../helpers/golden.ts";
import { builtinTemplates } from "../../helpers/templates.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";
import { blf, buildLine, buildPhoneConfig } from "../../helpers/phone-config.ts";
import { DEVICE_CASES } from "./golden-cases.ts";

const templates = builtinTemplates("yealink");

function renderBody(fileName: string, config = DEVICE_CASES[0]!.config): string {
  const out = yealink.render(fileName, config, templates);
  if (!out) throw new Error(`${fileName} not rendered`);
  expect(out.contentType).toBe("text/plain; charset=utf-8");
  return out.body;
}

describe("yealink render: golden files", () => {
  it.each(DEVICE_CASES)("renders <mac>.cfg for $name", async ({ name, config }) => {
    const body = renderBody(`${config.device.mac}.cfg`, config);
    expect(body.startsWith("#!version:1.0.0.1\n")).toBe(true);
    expectGolden(body, `yealink/${name}.cfg`);
  });

  it("renders the T54W boot file", async () => {
    const body = renderBody("805ec0a1b254.boot");
    expectGolden(body, "yealink/T54W-demo.boot");
  });

  it("renders the common boot file and the 096 common file without a config", async () => {
    const boot = yealink.render("y000000000000.boot", null, templates)!.body;
    const common = yealink.render("y000000000096.cfg", null, templates)!.body;
    expectGolden(boot, "yealink/y000000000000.boot");
    expectGolden(common, "yealink/y000000000096.cfg");
  });
});

describe("yealink render: common boot file and NAT", () => {
  it("prefixes each include with its model section on the same line, one model per line (FusionPBX y000000000000.boot)", () => {
    const lines = yealink.render("y000000000000.boot", null, templates)!.body.split("\n");
    expect(lines).toContain('[T54W]include:config "y000000000096.cfg"');
    expect(lines).toContain('[T53]include:config "y000000000095.cfg"');
    expect(lines).toContain('[T53W]include:config "y000000000095.cfg"');
    expect(lines.filter((l) => /^\[[^\]]*\]\s*$/.test(l))).toEqual([]);
    expect(lines.filter((l) => l.startsWith("include:config"))).toEqual([]);
  });

  it("sends NAT keep-alives on every account", () => {
    const body = renderBody("805ec0a1b254.cfg");
    expect(body).toContain("account.1.nat.udp_update_enable = 1");
  });
});

describe("yealink render: values", () => {
  it("keeps a hostile display name on its own line", () => {
    const config = buildPhoneConfig("yealink", "T54W", "805ec0a1b254", {
      lines: [buildLine(1, "101", { displayName: "Evil\r\naccount.1.password = x" })],
    });
    const lines = renderBody("805ec0a1b254.cfg", config).split("\n");
    expect(lines.filter((l) => l.startsWith("account.1.display_name"))).toEqual([
      "account.1.display_name = Evil  account.1.password = x",
    ]);
    expect(lines.filter((l) => l.startsWith("account.1.password"))).toEqual([
      "account.1.password = pw-101-0123456789abcdef",
    ]);
    expect(lines.some((l) => l.includes("\r"))).toBe(false);
  });

  it("strips every control character from every value", () => {
    const config = buildPhoneConfig("yealink", "T54W", "805ec0a1b254", {
      lines: [buildLine(1, "101", { label: "a\nb", password: "p\u2028w", displayName: "x\u0085y" })],
      keys: [{ ...blf(2, "102"), label: "L\r\nlinekey.9.type = 13" }],
    });
    const body = renderBody("805ec0a1b254.cfg", config);
    expect(body).not.toMatch(/[\r\u0085\u2028\u2029]/);
    expect(body.split("\n").filter((l) => l.startsWith("linekey.9.type"))).toEqual(["linekey.9.type = 0"]);
  });

  it("prints <, & and quotes as they are: the format has no escaping", () => {
    const body = renderBody("805ec0a1b246.cfg", DEVICE_CASES[1]!.config);
    expect(body).toContain("account.1.display_name = R&D <Lab>\n");
  });

  it("serves device files only for the phone, model and vendor they belong to", () => {
    const config = DEVICE_CASES[0]!.config;
    expect(yealink.render("805ec0000000.cfg", config, templates)).toBeNull();
    expect(yealink.render("805ec0000000.boot", config, templates)).toBeNull();
    expect(yealink.render("805ec0a1b254.cfg", null, templates)).toBeNull();
    const unknownModel = { ...config, device: { ...config.device, model: "T46G" } };
    expect(yealink.render("805ec0a1b254.cfg", unknownModel, templates)).toBeNull();
    const polycom = { ...config, device: { ...config.device, vendor: "polycom" as const } };
    expect(yealink.render("805ec0a1b254.cfg", polycom, templates)).toBeNull();
    expect(yealink.render("y000000000028.cfg", null, templates)).toBeNull();
    expect(yealink.render("805ec0a1b254-local.cfg", config, templates)).toBeNull();
  });

  it("renders common files identically whatever config is passed", () => {
    for (const name of ["y000000000000.boot", "y000000000095.cfg"]) {
      expect(yealink.render(name, DEVICE_CASES[0]!.config, templates)).toEqual(yealink.render(name, null, templates));
    }
  });

  it("drops keys and accounts the model does not have, and clears the unused ones", () => {
    const config = buildPhoneConfig("yealink", "T31G", "805ec0a1b231", {
      lines: [buildLine(1, "101"), buildLine(3, "103")],
      keys: [blf(2, "102"), blf(3, "103")],
    });
    const body = renderBody("805ec0a1b231.cfg", config);
    expect(body).not.toContain("account.3.");
    expect(body).not.toContain("linekey.3.");
    expect(body).toContain("account.2.enable = 0\n");
    // Line 1 has no explicit line key: it keeps key 1 as a type-15 line key (shared/line-keys.ts).
    expect(body).toContain("linekey.1.type = 15\nlinekey.1.line = 1\n");
    expect(body).toContain("linekey.2.extension = *35\n");
  });

  it("writes the time zone as signed hours with the DST rule by week", () => {
    const ny = renderBody("805ec0a1b254.cfg");
    expect(ny).toContain("local_time.time_zone = -5\n");
    expect(ny).toContain("local_time.start_time = 3/2/7/2\nlocal_time.end_time = 11/1/7/2\n");
    const india = renderBody("249ad8a1b233.cfg", DEVICE_CASES[3]!.config);
    expect(india).toContain("local_time.time_zone = +5:30\nlocal_time.summer_time = 0\n");
    expect(india).not.toContain("local_time.ntp_server1");
  });

  it("turns periodic resync off when resyncMinutes is 0", () => {
    const body = renderBody("249ad8a1b233.cfg", DEVICE_CASES[3]!.config);
    expect(body).toContain("static.auto_provision.repeat.enable = 0\n");
    expect(body).not.toContain("repeat.minutes");
  });
});
