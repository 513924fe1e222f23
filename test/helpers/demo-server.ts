import type { Config } from "../../src/config.ts";
import { loadDemo, type DemoDevice } from "../../src/demo.ts";
import { previewFile } from "../../src/provisioning/preview.ts";
import { getDeviceSync } from "../../src/services/devices-sync.ts";
import { startTestServer, type Runtime, type TestServer } from "./test-server.ts";

/** A real server loaded with the demo tenant and phones (`phonehome demo`). */
export interface DemoServer extends TestServer {
  /** The demo phones with their provisioning credentials and file names. */
  readonly demo: DemoDevice[];
  /** The file the server should serve `mac` under the name `file`, rendered through a second runtime. */
  expected(mac: string, file: string): Promise<string>;
}

/** `prepare` runs after the demo is loaded, before the server starts. */
export async function startDemoServer(overrides: Record<string, unknown> = {}, prepare?: (rt: Runtime, config: Config) => void | Promise<void>): Promise<DemoServer> {
  let demo: DemoDevice[] = [];
  const base = await startTestServer(overrides, async (rt, config) => {
    demo = await loadDemo(rt);
    await prepare?.(rt, config);
  });
  return {
    ...base,
    demo,
    expected: (mac, file) => base.withRuntime(async (rt) => (await previewFile(rt, getDeviceSync(rt, mac), file)).body),
  };
}
