import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Mac } from "../../src/domain/mac.ts";
import { vendors as VENDORS } from "../../src/vendors/registry.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith(".md") ? [join(dir, e.name)] : [],
  );
}

const FILES = [...markdownFiles("docs"), "README.md"];
const isRow = (line: string | undefined) => line !== undefined && line.startsWith("|");

describe("docs tables", () => {
  it.each(FILES)("%s: no table is cut in two by a blank line", (file) => {
    const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    const cut = lines.flatMap((line, i) =>
      isRow(line) && lines[i - 1]?.trim() === "" && isRow(lines[i - 2]) && !lines[i + 1]?.startsWith("| ---") ? [i + 1] : [],
    );
    expect(cut, `rows after a blank line, with no header of their own (lines ${cut.join(", ")})`).toEqual([]);
  });

  it.each(FILES)("%s: no sentence is glued to the end of a table", (file) => {
    const lines = readFileSync(join(ROOT, file), "utf8").split("\n");
    const glued = lines.flatMap((line, i) => (i > 0 && isRow(lines[i - 1]) && line.trim() !== "" && !isRow(line) ? [`${i + 1}: ${line.slice(0, 60)}`] : []));
    expect(glued).toEqual([]);
  });
});

describe("docs/phones.md", () => {
  // The files column of each vendor names what the device's file list holds (alternatives after "or" aside).
  const row = (vendor: string) => readFileSync(join(ROOT, "docs/phones.md"), "utf8").split("\n").find((l) => l.startsWith(`| ${vendor} |`))!.split("|")[2]!;
  const named = (cell: string) => [...cell.replace(/ or `[^`]+`/g, "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

  it.each([
    ["Yealink", "yealink", "T54W", "805ec0000101"],
    ["Polycom/Poly", "polycom", "VVX411", "0004f2000102"],
    ["Grandstream", "grandstream", "GRP2614", "c074ad000103"],
  ] as const)("%s lists the files of a device's file list", (title, vendor, model, mac) => {
    const files = VENDORS[vendor].bootFiles(mac as Mac, model).map((f) => f.name.replace(mac, "<mac>"));
    const documented = named(row(title));
    expect(documented).toHaveLength(files.length);
    documented.forEach((name, i) => {
      const pattern = new RegExp(`^${name.replace(/[.]/g, "\\.").replace(/<model>|XX/g, "[0-9A-Za-z]+")}$`);
      expect(files[i]).toMatch(pattern);
    });
  });
});
