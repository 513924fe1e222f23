import { describe, expect, it } from "vitest";
import { packBatch, unpackBatch } from "../../src/provisioning/fetch-log-wire.ts";
import type { FetchRecord } from "../../src/provisioning/fetch-recorder.ts";
import { FETCH_COLUMNS } from "../../src/provisioning/fetch-log-writer.ts";

const served: FetchRecord = {
  at: 1_764_000_000_123,
  transport: "https",
  sourceIp: "192.0.2.10",
  fileName: "805ec0000001.cfg",
  mac: "805ec0000001",
  deviceId: 7,
  tenantId: 2,
  userAgent: "Yealink SIP-T54W 96.86.0.100 805ec0000001",
  outcome: "served",
  status: 200,
  authMethod: "digest+certificate",
  configHash: "ab".repeat(32),
  bytes: 6321,
  authUser: "prov-7",
  certSubject: "CN=805ec0000001",
  certSerial: "01AF",
  certFailure: null,
  networkRule: "192.0.2.0/24",
  credentials: "1001,1002",
  encrypted: false,
  servedCopy: { plain: Buffer.from("#!version:1.0.0.1\n"), secrets: ["s3cret"] },
  seen: { firmware: "96.86.0.100", baseUrl: "https://prov.example:8443" },
};
const anonymous: FetchRecord = {
  at: 1_764_000_000_456,
  transport: "tftp",
  sourceIp: "2001:db8::5",
  fileName: "y000000000000.boot",
  mac: null,
  deviceId: null,
  tenantId: null,
  userAgent: null,
  outcome: "not_found",
  status: 404,
  authMethod: null,
  configHash: null,
  bytes: null,
};

describe("the fetch-log thread's wire format", () => {
  it("carries every fetch_log column, `seen` and each served body through a structured clone unchanged", () => {
    const body = { deviceId: 7, fileName: "805ec0000001.cfg", contentHash: "cd".repeat(32), plain: new Uint8Array([1, 2, 3]), secrets: ["s3cret"], at: 5 };
    const touch = { ...body, plain: null, secrets: [], at: 6 };
    const discoveries = [{ mac: "805ec0000009", vendor: "yealink", model: "T54W", firmware: null, userAgent: null, fileName: "805ec0000009.cfg", sourceIp: "192.0.2.9", transport: "http", at: 4 }];
    const back = unpackBatch(structuredClone(packBatch({ fetches: [served, anonymous], discoveries, served: [body, touch] })));

    const columns = (r: FetchRecord) => Object.fromEntries(FETCH_COLUMNS.map((c) => [c, r[c] ?? null]));
    expect(back.fetches.map(columns)).toEqual([columns(served), columns(anonymous)]);
    expect(back.fetches[0]!.seen).toEqual(served.seen);
    expect(back.fetches[1]!.seen).toBeUndefined();
    // The served copy travels with the keeper's bodies, never inside a row.
    expect(back.fetches[0]).not.toHaveProperty("servedCopy");
    expect(back.discoveries).toEqual(discoveries);
    expect(back.served).toEqual([body, touch]);
  });

  it("an empty batch stays empty", () => {
    expect(unpackBatch(packBatch({ fetches: [], discoveries: [], served: [] }))).toEqual({ fetches: [], discoveries: [], served: [] });
  });
});
