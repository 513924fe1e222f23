import { afterAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { runCli, startSipServerProcess, untilFetchRecorded, type ServerProcess } from "../helpers/server-process.ts";
import { freePort, startSipp } from "../helpers/sipp.ts";
import { tempConfig } from "../helpers/test-deps.ts";

/**
 * Issue 11 item 12: kill -9 after a force-unregister committed and before its NOTIFY went out; the
 * restarted server sends the NOTIFY, answering the phone's challenge with the credentials it held.
 */

const env = tempConfig();
const dataDir = env.config.dataDir;
const MAC = "805ec0000301";
let server: ServerProcess | null = null;
afterAll(async () => {
  await server?.kill9();
  env.cleanup();
});

describe("pending NOTIFY survives kill -9", () => {
  it("is sent by the next server start", async () => {
    const admin = (await runCli(["token", "create", "--role", "admin", "--data-dir", dataDir])).stdout.trim();
    const registrar = (await runCli(["token", "create", "--role", "registrar", "--data-dir", dataDir])).stdout.trim();
    server = await startSipServerProcess(dataDir, 60_000);
    const call = async (method: string, path: string, body: unknown, token = admin) => {
      const api = `http://127.0.0.1:${server!.apiPort}/api/v1`;
      const r = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json().catch(() => null)) as any };
    };
    const phoneUrl = `http://127.0.0.1:${server.httpPort}`;
    expect((await call("POST", "/tenants", { name: "crash.example", sipDomain: "crash.example", sipServerHost: "127.0.0.1", provisioningBaseUrl: `${phoneUrl}/` })).status).toBe(201);
    const ext = await call("POST", "/tenants/crash.example/extensions", { number: "301", displayName: "Leaver" });
    expect(ext.status).toBe(201);
    const oldPassword = ext.json.sipPassword as string;
    const dev = await call("POST", "/devices", { mac: MAC, model: "T54W", tenant: "crash.example" });
    expect(dev.status).toBe(201);
    expect((await call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "301" }])).status).toBe(200);
    // The phone fetches (so its address is known) and registers with a contact where sipp will listen.
    const fetched = await curl(["--digest", "-u", `${MAC}:${dev.json.provisioningPassword}`, `${phoneUrl}/${MAC}.cfg`]);
    expect(fetched.status).toBe(200);
    const port = await freePort("udp");
    const contact = `sip:301@127.0.0.1:${port}`;
    expect((await call("POST", "/registrations/events", { aor: "sip:301@crash.example", contact, source: `127.0.0.1:${port}`, userAgent: "Yealink SIP-T54W", expires: 3600, event: "registered" }, registrar)).status).toBe(200);

    await untilFetchRecorded(call, MAC);
    const fu = await call("POST", "/tenants/crash.example/extensions/301/force-unregister", { mode: "remove" });
    expect(fu.status).toBe(202);
    await server.kill9();
    server = null;

    // The rotation is committed; the phone's NOTIFY is still to be sent.
    const phone = await startSipp("notify-401.xml", { port, vars: { user: "301", pw: oldPassword }, timeoutS: 60 });
    server = await startSipServerProcess(dataDir, 0);
    const outcome = await phone.done;
    expect(outcome.code, outcome.output).toBe(0);
    let row: any = null;
    for (let i = 0; i < 200; i++) {
      row = (await call("GET", `/force-unregisters/${fu.json.id}`, undefined)).json;
      if (row.devices[0].notify !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(row.devices[0]).toMatchObject({ mac: MAC, notify: "ok" });
    expect(server.output()).toContain("resuming NOTIFYs of pending force-unregisters");
  }, 180_000);
});
