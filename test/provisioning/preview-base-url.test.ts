import { afterAll, beforeAll, expect, it } from "vitest";
import { getDevice } from "../../src/services/devices.ts";
import { previewFile } from "../../src/provisioning/preview.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";

// No publicUrl: each phone is told the URL it reached (its Host header). The preview, and drift
// with it, must render with that URL too, or every such phone would show drift.
let s: DemoServer;
beforeAll(async () => {
  s = await startDemoServer({ publicUrl: undefined });
});
afterAll(() => s.close());

it("previews a device's file with the base URL the phone was last told", async () => {
  const d = s.demo.find((x) => x.vendor === "yealink")!;
  const file = d.files[d.files.length - 1]!;
  const host = `prov.site.example:${s.server.httpPort}`;
  const r = await curl(["--digest", "-u", `${d.username}:${d.password}`, "-H", `Host: ${host}`, `${s.phoneUrl}/${file}`]);
  expect(r.status).toBe(200);
  expect(r.body).toContain(`http://${host}/`);
  s.server.runtime.recorder.flush();
  const preview = await s.withRuntime(async (rt) => (await previewFile(rt, (await getDevice(rt, d.mac)), file)).body);
  expect(preview).toBe(r.body);
});
