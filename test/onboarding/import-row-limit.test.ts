import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { AppError } from "../../src/errors.ts";
import { readCsv, readDeviceCsv } from "../../src/onboarding/csv-source.ts";
import { EXTENSION_CSV } from "../../src/onboarding/extension-columns.ts";
import { importExtensions } from "../../src/onboarding/extension-import.ts";
import { importDevices } from "../../src/onboarding/import.ts";
import { createTestDeps, dumpDb, type TestDeps } from "../helpers/test-deps.ts";
import { HEADER, seedSite } from "./helpers.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

const mac = (n: number) => `805ec0dd${n.toString(16).padStart(4, "0")}`;

/** A CSV file as a stream of chunks of 100 rows each, counting the chunks the importer pulled. */
function chunked(header: string, rows: number, row: (n: number) => string) {
  const source = {
    pulled: 0,
    total: Math.ceil(rows / 100) + 1,
    async *[Symbol.asyncIterator]() {
      source.pulled++;
      yield Buffer.from(`${header}\n`);
      for (let start = 0; start < rows; start += 100) {
        source.pulled++;
        const lines = Array.from({ length: Math.min(100, rows - start) }, (_, k) => row(start + k));
        yield Buffer.from(`${lines.join("\n")}\n`);
      }
    },
  };
  return source;
}

const deviceRow = (n: number) => `${mac(n)},,T54W,acme.example,101,,`;
const importAll = (source: AsyncIterable<Buffer>, maxRows: number) =>
  importDevices(deps, readDeviceCsv(source, undefined, { maxRows }), { dryRun: false, actor: "test", source: "csv", fileName: "big.csv" });

describe("importMaxRows", () => {
  it("is a config key with an environment variable, 200,000 by default", () => {
    expect(loadConfig({}, {}).importMaxRows).toBe(200_000);
    expect(loadConfig({}, { PHONEHOME_IMPORT_MAX_ROWS: "5000" }).importMaxRows).toBe(5000);
    expect(() => loadConfig({}, { PHONEHOME_IMPORT_MAX_ROWS: "0" })).toThrow(/importMaxRows \(PHONEHOME_IMPORT_MAX_ROWS\)/);
  });

  it("refuses a longer file with 413 naming the limit and the key, without reading the rest of it, and writes nothing", async () => {
    const before = dumpDb(deps);
    const source = chunked(HEADER, 10_000, deviceRow);
    const err = await importAll(source, 50).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ status: 413, code: "payload_too_large" });
    expect((err as Error).message).toMatch(/more than 50 rows.*importMaxRows, env PHONEHOME_IMPORT_MAX_ROWS.*nothing was written/);
    // The 51st row (in the first chunk of rows) stops the reader: what it reads ahead is bounded
    // (csv-parse's 16 KiB input buffer), and most of the 101 chunks are never pulled.
    expect(source.pulled).toBeLessThan(source.total / 4);
    expect(source.total).toBe(101);
    expect(dumpDb(deps)).toBe(before);
  });

  it("takes a file of exactly the limit", async () => {
    const r = await importAll(chunked(HEADER, 50, deviceRow), 50);
    expect(r).toMatchObject({ accepted: true, rows: 50, created: 50 });
  });

  it("bounds a dry run and the extensions CSV the same way", async () => {
    const dry = await importDevices(deps, readDeviceCsv(chunked(HEADER, 3000, deviceRow), undefined, { maxRows: 20 }), { dryRun: true, actor: "test", source: "csv", fileName: null }).catch((e: unknown) => e);
    expect(dry).toMatchObject({ status: 413, message: expect.stringMatching(/more than 20 rows/) });
    const before = dumpDb(deps);
    const source = chunked("number,display_name", 10_000, (n) => `${20000 + n},User ${n}`);
    const err = await importExtensions(deps, "acme.example", readCsv(source, EXTENSION_CSV, undefined, { maxRows: 30 }), { dryRun: false, actor: "test", fileName: null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 413, message: expect.stringMatching(/more than 30 rows.*importMaxRows/) });
    expect(source.pulled).toBeLessThan(source.total / 4);
    expect(dumpDb(deps)).toBe(before);
  });
});
