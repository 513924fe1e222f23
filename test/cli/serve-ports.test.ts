import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { curl } from "../helpers/curl.ts";
import { freePort, spawnPhonehome } from "../helpers/serve-process.ts";

let dataDir: string;
beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), "phonehome-ports-"));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const holdTcp = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });

/** Binds UDP 127.0.0.1:port; null when something else already holds it (then it is taken anyway). */
const holdUdp = (port: number) =>
  new Promise<ReturnType<typeof createSocket> | null>((resolve) => {
    const s = createSocket("udp4");
    s.once("error", () => resolve(null));
    s.bind(port, "127.0.0.1", () => resolve(s));
  });

async function baseEnv(): Promise<Record<string, string>> {
  return {
    PHONEHOME_DATA_DIR: dataDir,
    PHONEHOME_HTTP_HOST: "127.0.0.1",
    PHONEHOME_HTTP_PORT: String(await freePort()),
    PHONEHOME_API_PORT: String(await freePort()),
    PHONEHOME_TFTP_HOST: "127.0.0.1",
  };
}

describe("serve with a port in use", () => {
  it("names the phone HTTP listener, the port and the flag, exits 1, no stack trace", async () => {
    const port = await freePort();
    const held = await holdTcp(port);
    try {
      const p = spawnPhonehome(["serve", "--http-port", String(port), "--tftp-port", String(await freePort())], { ...(await baseEnv()) });
      const code = await p.exited;
      const { stderr } = p.output();
      expect(code).toBe(1);
      expect(stderr).toContain(`phonehome: phone HTTP listener cannot use TCP port ${port} on 127.0.0.1: another program is already listening there`);
      expect(stderr).toContain("--http-port <port> (or PHONEHOME_HTTP_PORT)");
      expect(stderr).not.toMatch(/\n\s+at /);
      expect(stderr).not.toContain("EADDRINUSE");
    } finally {
      held.close();
    }
  });

  it("names the admin API listener and its flag", async () => {
    const port = await freePort();
    const held = await holdTcp(port);
    try {
      const p = spawnPhonehome(["serve", "--tftp-port", String(await freePort())], { ...(await baseEnv()), PHONEHOME_API_PORT: String(port) });
      expect(await p.exited).toBe(1);
      expect(p.output().stderr).toContain(`admin API listener cannot use TCP port ${port}`);
      expect(p.output().stderr).toContain("--api-port <port> (or PHONEHOME_API_PORT)");
    } finally {
      held.close();
    }
  });

  it("fails on an explicitly requested TFTP port that is taken", async () => {
    const port = await freePort();
    const held = await holdUdp(port);
    try {
      const p = spawnPhonehome(["serve"], { ...(await baseEnv()), PHONEHOME_TFTP_PORT: String(port) });
      expect(await p.exited).toBe(1);
      expect(p.output().stderr).toContain(`TFTP server cannot use UDP port ${port} on 127.0.0.1: another program is already listening there (see \`ss -lunp 'sport = :${port}'\`)`);
      expect(p.output().stderr).toContain("--tftp-port <port> (or PHONEHOME_TFTP_PORT)");
    } finally {
      held?.close();
    }
  });

  it("only warns when the default TFTP port 69 is taken (or not permitted), and HTTP serves", async () => {
    const held = await holdUdp(69);
    const env = await baseEnv();
    const p = spawnPhonehome(["serve"], env);
    try {
      await p.ready;
      const { stdout } = p.output();
      expect(stdout).toMatch(/"msg":"TFTP disabled: TFTP server cannot use UDP port 69 on 127.0.0.1: (another program is already listening there|no permission)/);
      expect(stdout).toMatch(/"tftp":null/);
      const r = await curl([`http://127.0.0.1:${env.PHONEHOME_HTTP_PORT}/y000000000000.boot`]);
      expect(r.status).toBe(200);
    } finally {
      expect(await p.stop()).toBe(0);
      held?.close();
    }
  });
});
