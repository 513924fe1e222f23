import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadTemplateStore, missingTemplates } from "../../src/provisioning/template-store.ts";
import { BUILTIN_TEMPLATES_DIR } from "../../src/runtime.ts";
import { VENDOR_IDS, VENDOR_LIST } from "../../src/vendors/registry.ts";

const sites: string[] = [];
afterEach(() => {
  for (const dir of sites.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A site template folder of its own for each test, holding `files` (relative name -> content). */
function siteWith(files: Record<string, string>): string {
  const site = mkdtempSync(join(tmpdir(), "phonehome-templates-"));
  sites.push(site);
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(site, name)), { recursive: true });
    writeFileSync(join(site, name), body);
  }
  return site;
}

describe("template store", () => {
  it("finds every template each vendor requires", () => {
    expect(missingTemplates(loadTemplateStore(VENDOR_IDS, [BUILTIN_TEMPLATES_DIR]), VENDOR_LIST)).toEqual([]);
  });

  it("reports a vendor's missing template", () => {
    const empty = loadTemplateStore(VENDOR_IDS, [siteWith({})]);
    expect(missingTemplates(empty, VENDOR_LIST)).toContain("yealink/device.hbs");
  });

  it("lets a site override one template by its relative name, most specific first", () => {
    const site = siteWith({ "grandstream/common.hbs": "site {{x}}" });
    const store = loadTemplateStore(VENDOR_IDS, [BUILTIN_TEMPLATES_DIR, site]);
    expect(store.forVendor("grandstream").render(["common.nonexistent", "common"], { x: "ok" })).toBe("site ok");
  });

  it("fails loudly on a misspelt field instead of printing nothing", () => {
    const site = siteWith({ "grandstream/common.hbs": "{{missing.field}}" });
    const store = loadTemplateStore(VENDOR_IDS, [site]);
    expect(() => store.forVendor("grandstream").render(["common"], {})).toThrow(/not defined/);
  });
});
