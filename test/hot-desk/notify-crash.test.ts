import { afterAll, describe, expect, it, vi } from "vitest";
import { curl } from "../helpers/curl.ts";
import { runCli, startSipServerProcess, untilFetchRecorded, type ServerProcess } from "../helpers/server-process.ts";
import { freePort, startSipp } from "../helpers/sipp.ts";
import { tempConfig } from "../helpers/test-deps.ts";

/**
 * kill -9 after a hot-desk sign-in committed and before its NOTIFY went out: the NOTIFY was written
 * to the outbox with the sign-in, so the restarted server sends it and the phone fetches at once.
 */

const env = tempConfig();
const dataDir = env.config.dataDir;
const MAC = "805ec0000801";
const T = "crashdesk.example";
let server: ServerProcess | null = null;
afterAll(async () => {
  await server?.kill9();
  env.cleanup();
});

describe("a hot-desk NOTIFY survives kill -9", () => {
  it("is sent by the next server start", async () => {
    const admin = (await runCli(["token", "create", "--role", "admin", "--data-dir", dataDir])).stdout.trim();
    server = await startSipServerProcess(dataDir, 60_000);
    const call = async (method: string, path: string, body: unknown) => {
      const api = `http://127.0.0.1:${server!.apiPort}/api/v1`;
      const r = await fetch(`${api}${path}`, { method, headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json().catch(() => null)) as any };
    };
    const phoneUrl = `http://127.0.0.1:${server.httpPort}`;
    expect((await call("POST", "/tenants", { name: T, sipDomain: T, sipServerHost: "127.0.0.1", provisioningBaseUrl: `${phoneUrl}/` })).status).toBe(201);
    for (const [number, displayName] of [["100", "Desk guest"], ["101", "Ana"]]) expect((await call("POST", `/tenants/${T}/extensions`, { number, displayName })).status).toBe(201);
    expect((await call("PATCH", `/tenants/${T}/extensions/101/hot-desk`, { pin: "1234" })).status).toBe(200);
    const dev = await call("POST", "/devices", { mac: MAC, model: "T54W", tenant: T });
    expect(dev.status).toBe(201);
    expect((await call("PUT", `/devices/${MAC}/lines`, [{ index: 1, extension: "100" }])).status).toBe(200);
    expect((await call("POST", `/devices/${MAC}/hot-desk`, { key: null })).status).toBe(201);
    // The phone fetches (so its address is known) and registers its guest line where sipp will listen.
    const fetched = await curl(["--digest", "-u", `${MAC}:${dev.json.provisioningPassword}`, `${phoneUrl}/${MAC}.cfg`]);
    expect(fetched.status).toBe(200);
    const port = await freePort("udp");
    expect((await call("POST", "/registrations/events", { aor: `sip:100@${T}`, contact: `sip:100@127.0.0.1:${port}`, source: `127.0.0.1:${port}`, expires: 3600, event: "registered" })).status).toBe(200);

    await untilFetchRecorded(call, MAC);
    const signedIn = await call("POST", "/pbx/hot-desk/sign-in", { mac: MAC, extension: "101", pin: "1234" });
    expect(signedIn.status).toBe(200);
    expect(signedIn.json.notify).toEqual({ notified: [MAC], skipped: [] });
    await server.kill9();
    server = null;

    // The sign-in is committed; the phone's NOTIFY is still to be sent.
    const phone = await startSipp("notify-200.xml", { port, timeoutS: 60 });
    server = await startSipServerProcess(dataDir, 0);
    const outcome = await phone.done;
    expect(outcome.code, outcome.output).toBe(0);
    expect(server.output()).toContain("resuming queued NOTIFYs");
    // The restarted server's NOTIFY is audited once sent. (Should the jitter have let the first process
    // send before the kill, to the port nobody listened on yet, that attempt is audited too, as an error.)
    await vi.waitFor(
      async () => {
        const events: { outcome: string }[] = (await call("GET", `/audit?action=notify.sent&mac=${MAC}`, undefined)).json.events;
        expect(events.filter((e) => e.outcome === "ok")).toHaveLength(1);
      },
      { timeout: 30_000, interval: 100 },
    );
    const desk = await call("GET", `/devices/${MAC}/hot-desk`, undefined);
    expect(desk.json).toMatchObject({ state: "signed-in", extension: "101" });
  }, 180_000);
});
