import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { previewFile } from "../../src/provisioning/preview.ts";
import { getDevice } from "../../src/services/devices.ts";
import { createTestDeps, type TestDeps } from "../helpers/test-deps.ts";
import { csv, importText, seedSite } from "./helpers.ts";

let deps: TestDeps;
beforeEach(async () => {
  deps = createTestDeps();
  await seedSite(deps);
});
afterEach(() => deps.close());

describe("imported devices", () => {
  it("get their own event-URL secret, so their files point registration events at phonehome", async () => {
    const report = await importText(deps, csv("80:5e:c0:aa:00:01,,T54W,acme.example,101,,", "805ec0aa0002,,T46U,acme.example,102,,"));
    expect(report.accepted).toBe(true);
    const urls = await Promise.all(
      ["805ec0aa0001", "805ec0aa0002"].map(async (mac) => {
        const body = (await previewFile(deps, await getDevice(deps, mac), `${mac}.cfg`)).body;
        return /action_url\.registered = (\S+)/.exec(body)?.[1];
      }),
    );
    expect(urls[0]).toMatch(/\/events\/805ec0aa0001\/[A-Za-z0-9]{22}\/registered/);
    expect(urls[1]).toMatch(/\/events\/805ec0aa0002\/[A-Za-z0-9]{22}\/registered/);
    expect(urls[0]!.split("/")[5]).not.toBe(urls[1]!.split("/")[5]);
  });
});
