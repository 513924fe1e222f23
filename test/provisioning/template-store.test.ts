import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadTemplateStore, missingTemplates } from "../../src/provisioning/template-store.ts";
import { BUILTIN_TEMPLATES_DIR } from "../../src/runtime.ts";
import { VENDOR_IDS, VENDOR_LIST } from "../../src/vendors/registry.ts";

const site = mkdtempSync(join(tmpdir(), "phonehome-templates-"));
afterAll(() => rmSync(site, { recursive: true, force: true }));

describe("template store", () => {
  it("finds every template each vendor requires", () => {
    expect(missingTemplates(loadTemplateStore(VENDOR_IDS, [BUILTIN_TEMPLATES_DIR]), VENDOR_LIST)).toEqual([]);
  });

  it("reports a vendor's missing template", () => {
    const empty = loadTemplateStore(VENDOR_IDS, [site]);
    expect(missingTemplates(empty, VENDOR_LIST)).toContain("yealink/device.hbs");
  });

  it("lets a site override one template by its relative name, most specific first", () => {
    mkdirSync(join(site, "grandstream"), { recursive: true });
    writeFileSync(join(site, "grandstream", "common.hbs"), "site {{x}}");
    const store = loadTemplateStore(VENDOR_IDS, [BUILTIN_TEMPLATES_DIR, site]);
    expect(store.forVendor("grandstream").render(["common.nonexistent", "common"], { x: "ok" })).toBe("site ok");
  });

  it("fails loudly on a misspelt field instead of printing nothing", () => {
    writeFileSync(join(site, "grandstream", "common.hbs"), "{{missing.field}}");
    const store = loadTemplateStore(VENDOR_IDS, [site]);
    expect(() => store.forVendor("grandstream").render(["common"], {})).toThrow(/not defined/);
  });
});
