import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const UNIT = fileURLToPath(new URL("../../contrib/phonehome.service", import.meta.url));
const text = readFileSync(UNIT, "utf8");

const hasAnalyze = (() => {
  try {
    execFileSync("systemd-analyze", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

/** systemd-analyze verify: exit 0 even for directives it ignores, so its stderr is what counts. */
function verify(path: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("systemd-analyze", ["verify", path], (err, _out, stderr) => resolve({ code: err ? 1 : 0, stderr }));
  });
}

const directive = (name: string) => text.split("\n").filter((l) => l.startsWith(`${name}=`)).map((l) => l.slice(name.length + 1));

describe("contrib/phonehome.service", () => {
  it("sandboxes the service and grants only CAP_NET_BIND_SERVICE", () => {
    expect(directive("ProtectSystem")).toEqual(["strict"]);
    expect(directive("ReadWritePaths")).toEqual(["/var/lib/phonehome"]);
    expect(directive("Environment")).toContain("PHONEHOME_DATA_DIR=/var/lib/phonehome");
    expect(directive("NoNewPrivileges")).toEqual(["yes"]);
    expect(directive("CapabilityBoundingSet")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(directive("AmbientCapabilities")).toEqual(["CAP_NET_BIND_SERVICE"]);
    expect(directive("PrivateTmp")).toEqual(["yes"]);
    expect(directive("StandardOutput")).toEqual(["journal"]);
    expect(directive("User")).toEqual(["phonehome"]);
  });

  it.skipIf(!hasAnalyze)("passes systemd-analyze verify without a warning, which does catch a bad value", async () => {
    const ok = await verify(UNIT);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe("");
    const dir = mkdtempSync(join(tmpdir(), "phonehome-unit-"));
    try {
      const bad = join(dir, "phonehome.service");
      writeFileSync(bad, text.replace("ProtectSystem=strict", "ProtectSystem=bogus"));
      expect((await verify(bad)).stderr).toMatch(/protect system value/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
