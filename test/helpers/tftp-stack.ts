import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import pino from "pino";
import { loadConfig } from "../../src/config.ts";
import { loadDemo } from "../../src/demo.ts";
import { EnumerationGuard, type EnumerationGuardOptions } from "../../src/provisioning/enumeration-guard.ts";
import { addFirmware } from "../../src/firmware/service.ts";
import type { ImageCache } from "../../src/tftp/image-cache.ts";
import { tftpResolver } from "../../src/tftp/provider.ts";
import { TftpServer, type TftpServerOptions } from "../../src/tftp/server.ts";
import { createTestDeps, type TestDeps } from "./test-deps.ts";
import { TEST_TFTP_OPTIONS } from "./tftp.ts";

/**
 * The TFTP transport on the real pipeline: test database with the demo site, a firmware folder
 * in a temp directory, and a TFTP server on an ephemeral loopback port.
 */
export async function startTftpStack(
  opts: { deviceNetworks?: string[]; server?: Partial<TftpServerOptions>; guard?: Partial<EnumerationGuardOptions>; images?: ImageCache } = {},
) {
  const firmwareDir = mkdtempSync(join(tmpdir(), "phonehome-fw-"));
  const deps: TestDeps = createTestDeps({ firmwareDir });
  const demo = await loadDemo(deps);
  const alerts: { tenantId: number; failures: number }[] = [];
  const guard = new EnumerationGuard({ ...loadConfig({}, {}), ...opts.guard }, () => deps.clock().getTime(), (tenantId, failures) => alerts.push({ tenantId, failures }));
  const server = new TftpServer({ ...TEST_TFTP_OPTIONS, ...opts.server }, tftpResolver(deps, opts.deviceNetworks ?? [], guard, opts.images), pino({ level: "silent" }));
  const port = await server.listen();
  return {
    deps,
    demo,
    server,
    guard,
    /** Tenant alerts the guard raised. */
    alerts,
    port,
    firmwareDir,
    addImage(body: Buffer, input: { vendor: string; models: string[]; version: string; name: string }) {
      return addFirmware({ ...deps, firmwareDir }, input, Readable.from([body]), 64 * 1024 * 1024);
    },
    async close() {
      await server.close();
      deps.close();
      rmSync(firmwareDir, { recursive: true, force: true });
    },
  };
}
