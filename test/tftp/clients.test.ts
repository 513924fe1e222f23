import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchLog } from "../../src/db/schema.ts";
import { provision } from "../../src/provisioning/provision.ts";
import { fetchRaw, run } from "../helpers/tftp.ts";
import { startTftpStack } from "../helpers/tftp-stack.ts";

/** curl, the tftp-hpa client and atftp against the real pipeline: a common file and an 8 MB image. */
let stack: Awaited<ReturnType<typeof startTftpStack>>;
let out: string;
const image = randomBytes(8 * 1024 * 1024 + 777);
let imageName: string;
const COMMON = "y000000000000.boot";
let commonBody: Buffer;

beforeAll(async () => {
  stack = await startTftpStack();
  out = mkdtempSync(join(tmpdir(), "phonehome-tftp-out-"));
  imageName = (await stack.addImage(image, { vendor: "yealink", models: ["T54W"], version: "96.86.0.100", name: "T54W(T57W,T53W)-96.86.0.100.rom" })).fileName;
  const r = await provision({ transport: "http", fileName: COMMON, remoteAddress: "127.0.0.1" }, stack.deps, null);
  if (r.outcome !== "served") throw new Error("common file not rendered");
  commonBody = r.body;
});
afterAll(async () => {
  await stack.close();
  rmSync(out, { recursive: true, force: true });
});

const url = (name: string) => `tftp://127.0.0.1:${stack.port}/${name}`;
let n = 0;
async function viaCurl(name: string, blksize: number) {
  const file = join(out, `curl-${n++}`);
  const r = await run("curl", ["-sS", "--max-time", "30", "--tftp-blksize", String(blksize), "-o", file, url(name)]);
  expect(r).toMatchObject({ code: 0 });
  return readFileSync(file);
}
async function viaHpa(name: string) {
  const file = join(out, `hpa-${n++}`);
  const r = await run("tftp", ["127.0.0.1", String(stack.port), "-m", "binary", "-c", "get", name, file]);
  expect(r.code).toBe(0);
  return readFileSync(file);
}
async function viaAtftp(name: string, options: string[]) {
  const file = join(out, `atftp-${n++}`);
  const r = await run("atftp", [...options.flatMap((o) => ["--option", o]), "-g", "-r", name, "-l", file, "127.0.0.1", String(stack.port)]);
  expect(r.code, r.out).toBe(0);
  return readFileSync(file);
}

describe.each([
  ["the common boot file", () => COMMON, () => commonBody],
  ["an 8 MB firmware image", () => imageName, () => image],
])("%s", (_label, name, body) => {
  it("curl, blksize 512 and 1468", async () => {
    expect((await viaCurl(name(), 512)).equals(body())).toBe(true);
    expect((await viaCurl(name(), 1468)).equals(body())).toBe(true);
  });
  it("tftp-hpa (RFC 1350 only: 512-byte blocks, no options)", async () => {
    expect((await viaHpa(name())).equals(body())).toBe(true);
  });
  it("atftp, blksize 512, 1468, and windowsize", async () => {
    expect((await viaAtftp(name(), [])).equals(body())).toBe(true);
    expect((await viaAtftp(name(), ["blksize 1468"])).equals(body())).toBe(true);
    expect((await viaAtftp(name(), ["blksize 1468", "windowsize 16"])).equals(body())).toBe(true);
    expect((await viaAtftp(name(), ["blksize 512", "windowsize 8"])).equals(body())).toBe(true);
  });
  it("a raw client with tsize and windowsize", async () => {
    expect((await fetchRaw(stack.port, name(), { tsize: "0", blksize: "1468", windowsize: "32" })).equals(body())).toBe(true);
  });
});

describe("fetch log", () => {
  it("records TFTP fetches like HTTP ones", async () => {
    await new Promise((r) => setTimeout(r, 50)); // the last ACK of the last transfer
    stack.deps.recorder.flush();
    const rows = stack.deps.db.select().from(fetchLog).all().filter((r) => r.transport === "tftp" && r.outcome === "served");
    expect(rows.some((r) => r.fileName === imageName && r.bytes === image.length && r.status === 200)).toBe(true);
    expect(rows.some((r) => r.fileName === COMMON && r.bytes === commonBody.length)).toBe(true);
  });
});
