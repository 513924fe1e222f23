import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceDrift } from "../../src/registrations/drift.ts";
import { createDevice, getDevice } from "../../src/services/devices.ts";
import { TenantInput } from "../../src/services/schemas.ts";
import { createTenant, updateTenant } from "../../src/services/tenants.ts";
import { initCerts } from "../../src/tls/certificate-authority.ts";
import { curl } from "../helpers/curl.ts";
import { startDemoServer, type DemoServer } from "../helpers/demo-server.ts";
import { TestCa } from "../helpers/test-ca.ts";

const MAC_A = "0004f2aaaa01";
const MAC_B = "0004f2aaaa02";
let s: DemoServer;
let base: string;
const certs: Record<string, { cert: string; key: string }> = {};

beforeAll(async () => {
  s = await startDemoServer({ httpsPort: 0, fetchLogFlushMs: 5, authFailMaxDelayMs: 0 }, async (rt, cfg) => {
    initCerts({ certsDir: cfg.certsDir, hostnames: ["localhost", "127.0.0.1"] });
    const vendor = new TestCa(join(cfg.dataDir, "vendor-ca"), "Vendor");
    const foreign = new TestCa(join(cfg.dataDir, "foreign-ca"), "Foreign");
    mkdirSync(cfg.clientCaDir, { recursive: true });
    mkdirSync(cfg.clientCrlDir, { recursive: true });
    copyFileSync(vendor.certFile, join(cfg.clientCaDir, "vendor.pem"));
    certs.a = vendor.issue("a", `/O=Vendor/CN=${MAC_A}`);
    certs.b = vendor.issue("b", `/O=Vendor/CN=${MAC_B}`);
    certs.expired = vendor.issue("expired", `/O=Vendor/CN=${MAC_A}`, { start: "20200101000000Z", end: "20210101000000Z" });
    certs.revoked = vendor.issue("revoked", `/O=Vendor/CN=${MAC_A}`);
    certs.generic = vendor.issue("generic", "/O=Vendor/CN=Vendor generic device certificate");
    certs.foreign = foreign.issue("foreign", `/O=Foreign/CN=${MAC_A}`);
    vendor.revoke(certs.revoked.cert);
    vendor.writeCrl(join(cfg.clientCrlDir, "vendor.crl"));
    await createTenant(rt, TenantInput.parse({ name: "certs.example", sipDomain: "certs.example", sipServerHost: "pbx.certs.example", authMode: "certificate" }));
    for (const mac of [MAC_A, MAC_B]) await createDevice(rt, { mac, vendor: "polycom", model: "VVX411", tenant: "certs.example", label: null });
  });
  base = `https://127.0.0.1:${s.server.httpsPort}`;
}, 30_000);

afterAll(async () => s?.close());

const caArgs = () => ["--cacert", join(s.config.certsDir, "ca.crt")];
const withCert = (name: string) => ["--cert", certs[name]!.cert, "--key", certs[name]!.key];
const fileOf = (mac: string) => `${mac}-phonehome.cfg`;

/** Runs a command line tool; `out` is stdout, `all` stdout and stderr. */
function run(cmd: string, args: string[], input = ""): Promise<{ code: number; out: string; all: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { encoding: "utf8", timeout: 10_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout, all: stdout + stderr }),
    );
    // A tool that reads a file, not stdin, may exit before the write: its exit status tells, not EPIPE.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
  });
}

describe("certs init", () => {
  it("writes the CA and the server certificate, keys readable by the owner only", () => {
    for (const f of ["ca.key", "server.key"]) expect(statSync(join(s.config.certsDir, f)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(s.config.certsDir, "server.crt"), "utf8")).toMatch(/BEGIN CERTIFICATE/);
  });

  it("renews the server certificate under the same CA (phones need no change)", async () => {
    const dir = join(s.config.dataDir, "renew");
    const first = initCerts({ certsDir: dir, hostnames: ["prov.example.com", "192.0.2.10"] });
    const caBefore = readFileSync(join(dir, "ca.crt"), "utf8");
    const serverBefore = readFileSync(join(dir, "server.crt"), "utf8");
    const second = initCerts({ certsDir: dir, hostnames: [] });
    expect(first.caCreated).toBe(true);
    expect(second.caCreated).toBe(false);
    expect(second.hostnames).toEqual(["prov.example.com", "192.0.2.10"]);
    expect(readFileSync(join(dir, "ca.crt"), "utf8")).toBe(caBefore);
    expect(readFileSync(join(dir, "server.crt"), "utf8")).not.toBe(serverBefore);
    const verify = await run("openssl", ["verify", "-CAfile", join(dir, "ca.crt"), join(dir, "server.crt")]);
    expect(verify.all).toMatch(/server\.crt: OK/);
  });

  it("refuses a host name that is not one", () => {
    expect(() => initCerts({ certsDir: join(s.config.dataDir, "bad"), hostnames: ["not a host"] })).toThrow(/neither a DNS name nor an IP/);
  });
});

describe("HTTPS", () => {
  it("serves a demo phone's file to curl --cacert ca.crt, byte for byte", async () => {
    const d = s.demo.find((x) => x.vendor === "yealink")!;
    const file = `${d.mac}.cfg`;
    const r = await curl([...caArgs(), "--digest", "-u", `${d.username}:${d.password}`, `${base}/${file}`]);
    expect(r.status).toBe(200);
    expect(r.body).toBe(await s.expected(d.mac, file));
  });

  it("refuses TLS 1.0 and 1.1", async () => {
    for (const flag of ["-tls1", "-tls1_1"]) {
      // SECLEVEL=0 lets the client offer the old version, so the refusal comes from the server.
      const r = await run("openssl", ["s_client", flag, "-cipher", "DEFAULT@SECLEVEL=0", "-connect", `127.0.0.1:${s.server.httpsPort}`]);
      expect(r.code).not.toBe(0);
      expect(r.all).toMatch(/alert protocol version|unsupported protocol|wrong version number/i);
    }
    const r = await curl([...caArgs(), "--tlsv1.0", "--tls-max", "1.1", `${base}/${fileOf(MAC_A)}`]).catch(() => ({ status: 0 }));
    expect(r.status).toBe(0);
  });
});

describe("client certificates bound to the MAC", () => {
  it("a certificate naming MAC A opens A's file, byte for byte", async () => {
    const r = await curl([...caArgs(), ...withCert("a"), `${base}/${fileOf(MAC_A)}`]);
    expect(r.status).toBe(200);
    expect(r.body).toBe(await s.expected(MAC_A, fileOf(MAC_A)));
  });

  it("a certificate naming MAC A does not open B's file", async () => {
    expect((await curl([...caArgs(), ...withCert("a"), `${base}/${fileOf(MAC_B)}`])).status).toBe(401);
    expect((await curl([...caArgs(), ...withCert("b"), `${base}/${fileOf(MAC_B)}`])).status).toBe(200);
  });

  it("expired, revoked, foreign-CA and generic certificates open nothing", async () => {
    for (const name of ["expired", "revoked", "foreign", "generic"]) {
      const r = await curl([...caArgs(), ...withCert(name), `${base}/${fileOf(MAC_A)}`]);
      expect(r.status, name).toBe(401);
    }
    expect((await curl([...caArgs(), `${base}/${fileOf(MAC_A)}`])).status).toBe(401);
  });

  it("does not accept a client certificate over plain HTTP or a password for a certificate-only tenant", async () => {
    const rt = s.runtime();
    const dev = await getDevice(rt, MAC_A);
    const password = rt.secrets.open(dev.provPasswordEnc);
    rt.close();
    const r = await curl([...caArgs(), "--digest", "-u", `${dev.provUsername}:${password}`, `${base}/${fileOf(MAC_A)}`]);
    expect(r.status).toBe(401);
  });

  it("records the certificate subject, serial and the reason a certificate was refused", async () => {
    s.server.runtime.recorder.flush();
    const rt = s.runtime();
    const rows = rt.db.$client
      .prepare("select outcome, transport, auth_method, cert_subject, cert_serial, cert_failure from fetch_log where mac = ? order by id")
      .all(MAC_A) as Record<string, string | null>[];
    rt.close();
    const served = rows.find((r) => r.outcome === "served")!;
    expect(served).toMatchObject({ transport: "https", auth_method: "certificate" });
    expect(served.cert_subject).toContain(`CN=${MAC_A}`);
    expect(served.cert_serial).toMatch(/^[0-9A-F]+$/);
    const failures = rows.map((r) => r.cert_failure).filter(Boolean);
    expect(failures).toEqual(expect.arrayContaining(["CERT_HAS_EXPIRED", "CERT_REVOKED", "MAC_MISMATCH"]));
  });
});

describe("encrypted Grandstream configs (openssl enc format, per-device password)", () => {
  const gs = () => s.demo.find((x) => x.vendor === "grandstream")!;

  beforeAll(async () => {
    const rt = s.runtime();
    await updateTenant(rt, "demo.example", { configEncryption: true });
    rt.close();
  });

  async function download(url: string, out: string, extra: string[] = []): Promise<Buffer> {
    const d = gs();
    const r = await run("curl", ["-sS", "--max-time", "10", ...extra, "--digest", "-u", `${d.username}:${d.password}`, "-o", out, "-w", "%{http_code}", url]);
    expect(r.out).toBe("200");
    return readFileSync(out);
  }

  it("over plain HTTP: `openssl enc -d` with the device's P1359 gives exactly the file phonehome would serve", async () => {
    const d = gs();
    const file = `cfg${d.mac}.xml`;
    const out = join(s.config.dataDir, "gs.enc");
    const body = await download(`${s.phoneUrl}/${file}`, out);
    expect(body.subarray(0, 8).toString("latin1")).toBe("Salted__");
    const plain = await s.expected(d.mac, file);
    const password = /<item name="provisioning.config.filePassword">([A-Za-z0-9]+)<\/item>/.exec(plain)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    const dec = await run("openssl", ["enc", "-d", "-aes-256-cbc", "-md", "md5", "-k", password!, "-in", out]);
    expect(dec.code).toBe(0);
    expect(dec.out).toBe(plain);
    // The password is not in the encrypted bytes, and another password does not open them.
    expect(body.includes(Buffer.from(password!))).toBe(false);
    expect(body.includes(Buffer.from(`<mac>${d.mac}</mac>`))).toBe(false);
    const wrong = await run("openssl", ["enc", "-d", "-aes-256-cbc", "-md", "md5", "-k", `${password!.slice(1)}x`, "-in", out]);
    expect(wrong.out).not.toContain(d.mac);
  });

  it("over plain HTTP: the same configuration keeps its ETag (304) and shows no drift once fetched", async () => {
    const d = gs();
    const url = `${s.phoneUrl}/cfg${d.mac}.xml`;
    const auth = ["--digest", "-u", `${d.username}:${d.password}`];
    const first = await run("curl", ["-sS", "--max-time", "10", ...auth, "-D", "-", "-o", "/dev/null", url]);
    const etag = /^etag: (.+?)\r?$/im.exec(first.out)?.[1];
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await run("curl", ["-sS", "--max-time", "10", ...auth, "-H", `If-None-Match: ${etag}`, "-o", "/dev/null", "-w", "%{http_code}", url]);
    expect(again.out).toBe("304");
    s.server.runtime.recorder.flush();
    const state = await s.withRuntime(async (rt) => deviceDrift(rt, (await getDevice(rt, d.mac))));
    expect(state.files.find((f) => f.name === `cfg${d.mac}.xml`)?.fetchedHash).toBe(state.files.find((f) => f.name === `cfg${d.mac}.xml`)?.currentHash);
    expect(state.state).toBe("current");
  });

  it("over HTTPS: the plaintext file carries the password to the phone", async () => {
    const d = gs();
    const file = `cfg${d.mac}.xml`;
    const body = await download(`${base}/${file}`, join(s.config.dataDir, "gs.xml"), caArgs());
    expect(body.toString("utf8")).toBe(await s.expected(d.mac, file));
    expect(body.toString("utf8")).toContain("provisioning.config.filePassword");
  });

  it("the password is per device and stored encrypted", () => {
    const rt = s.runtime();
    const rows = rt.db.$client.prepare("select key_enc from device_config_keys").all() as { key_enc: string }[];
    rt.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_enc).toMatch(/^v1\./);
  });
});

describe("Yealink with configEncryption on (not encrypted: docs/security.md, Yealink)", () => {
  beforeAll(() => s.withRuntime((rt) => updateTenant(rt, "demo.example", { configEncryption: true })));

  it("serves the device file as is over plain HTTP, with no AES key parameter and no stored key", async () => {
    const d = s.demo.find((x) => x.vendor === "yealink")!;
    const file = `${d.mac}.cfg`;
    const r = await run("curl", ["-sS", "--max-time", "10", "--digest", "-u", `${d.username}:${d.password}`, `http://127.0.0.1:${s.server.httpPort}/${file}`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(await s.expected(d.mac, file));
    expect(r.out).not.toMatch(/aes_key|update_file_mode/);
    const rt = s.runtime();
    const row = rt.db.$client.prepare("select count(*) as n from device_config_keys where device_id = ?").get((await getDevice(rt, d.mac)).id) as { n: number };
    rt.close();
    expect(row.n).toBe(0);
  });
});
