import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const GOLDEN_DIR = fileURLToPath(new URL("../golden", import.meta.url));

/**
 * Compares `actual` with `test/golden/<name>`. A missing or different golden file fails, in CI
 * and on a workstation alike (vitest's file snapshots would silently write a missing one); only
 * `npm run test:update-golden` (UPDATE_GOLDEN=1) writes them, for review in the diff.
 */
export function expectGolden(actual: string, name: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file test/golden/${name} is missing; run npm run test:update-golden and review the new file`);
  expect(actual, `test/golden/${name}`).toBe(readFileSync(path, "utf8"));
}
