import { afterEach, describe, expect, it } from "vitest";
import { sendNotify, type NotifySettings } from "../../src/sip/notify.ts";
import { startSipp, type SippRun } from "../helpers/sipp.ts";

// Short RFC 3261 timers so the no-answer case ends in about a second.
const settings: NotifySettings = { timers: { t1Ms: 50, t2Ms: 400, timerFMs: 1000 }, socket: { bindHost: "127.0.0.1" } };
const creds = { username: "101", password: "Line1Secret0123456789x" };
let sipp: SippRun | null = null;

afterEach(() => {
  sipp?.stop();
  sipp = null;
});

const notify = (port: number, transport: "udp" | "tcp" = "udp", credentials: typeof creds | null = creds, event = "check-sync;reboot=false") =>
  sendNotify(
    { target: { host: "127.0.0.1", port, transport, uri: `sip:101@127.0.0.1:${port}` }, event, toUri: "sip:101@demo.example", fromDomain: "demo.example", credentials },
    settings,
  );

describe("SIP NOTIFY against sipp as the phone", () => {
  it.each(["udp", "tcp"] as const)("gets 200 from a phone that accepts it (%s)", async (transport) => {
    sipp = await startSipp("notify-200.xml", { transport });
    const out = await notify(sipp.port, transport);
    expect(out).toMatchObject({ outcome: "ok", status: 200, authenticated: false });
    expect((await sipp.done).code).toBe(0);
  });

  it("answers a 401 challenge with the digest of the line's credentials, which the phone verifies", async () => {
    sipp = await startSipp("notify-401.xml", { vars: { user: creds.username, pw: creds.password } });
    const out = await notify(sipp.port);
    expect(out).toMatchObject({ outcome: "ok", status: 200, authenticated: true });
    expect((await sipp.done).code).toBe(0);
  });

  it("is refused (403 from sipp's digest check) when it answers the challenge with a wrong password", async () => {
    sipp = await startSipp("notify-401.xml", { vars: { user: creds.username, pw: "SomethingElse" } });
    const out = await notify(sipp.port);
    expect(out).toMatchObject({ outcome: "rejected", status: 403, authenticated: true });
  });

  it("reports a challenge it cannot answer without credentials", async () => {
    sipp = await startSipp("notify-401.xml", { vars: { user: "x", pw: "y" } });
    const out = await notify(sipp.port, "udp", null);
    expect(out.outcome).toBe("rejected");
    expect(out.status).toBe(401);
    expect(out.detail).toMatch(/no credentials/);
  });

  it("gives up at Timer F when the phone never answers (retransmitting meanwhile)", async () => {
    sipp = await startSipp("notify-silent.xml");
    const out = await notify(sipp.port);
    expect(out).toMatchObject({ outcome: "timeout", status: null });
    expect(out.detail).toMatch(/Timer F/);
    // sipp took the later NOTIFYs as retransmissions of the first (same branch): scenario passed.
    const { code, output } = await sipp.done;
    expect(code).toBe(0);
    expect(output).toMatch(/NOTIFY\s+1\s+[1-9]/);
  });

  it("ignores malformed answers and ends at Timer F, saying so", async () => {
    sipp = await startSipp("notify-garbage.xml");
    const out = await notify(sipp.port);
    expect(out.outcome).toBe("malformed");
    expect(out.detail).toMatch(/malformed/);
  });

  it("reports an error when nobody listens on TCP", async () => {
    const out = await notify(1, "tcp");
    expect(out.outcome).toBe("error");
  });
});
