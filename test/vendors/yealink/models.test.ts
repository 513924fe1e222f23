import { describe, expect, it } from "vitest";
import type { Mac } from "../../../src/domain/mac.ts";
import { yealink } from "../../../src/vendors/yealink/index.ts";
import { COMMON_FILE_IDS, modelsWithCommonFile, YEALINK_MODELS } from "../../../src/vendors/yealink/models.ts";
import { buildTime, formatZoneOffset } from "../../../src/vendors/yealink/time.ts";
import { describeTimeZone } from "../../../src/domain/time-zone.ts";
import { GOLDEN_NOW } from "../../helpers/phone-config.ts";

const mac = "805ec0a1b2c3" as Mac;

describe("yealink models", () => {
  it("keys the table by the ids the rows carry", () => {
    for (const [key, model] of Object.entries(YEALINK_MODELS)) expect(model.id).toBe(key);
  });

  it.each([
    ["T30", 1, 0, "127"],
    ["T31G", 2, 2, "123"],
    ["T33G", 4, 12, "124"],
    ["T41S", 6, 15, "068"],
    ["T46S", 16, 27, "066"],
    ["T48S", 16, 29, "065"],
    ["T46U", 16, 27, "108"],
    ["T44W", 12, 24, "174"],
    ["T52S", 12, 21, "074"],
    ["T53W", 12, 21, "095"],
    ["T54W", 16, 27, "096"],
    ["T57W", 16, 29, "097"],
    ["W60B", 8, 0, "077"],
    ["W70B", 10, 0, "146"],
  ])("%s has %i accounts, %i line keys, common file %s", (id, lines, keys, commonFileId) => {
    expect(yealink.models[id]).toMatchObject({ lines, keys, commonFileId });
  });

  it("shares common files between models", () => {
    expect(modelsWithCommonFile("095").map((m) => m.id)).toEqual(["T53", "T53W"]);
    expect(modelsWithCommonFile("123").map((m) => m.id)).toEqual(["T31", "T31P", "T31G"]);
    expect(COMMON_FILE_IDS).toHaveLength(new Set(COMMON_FILE_IDS).size);
  });

  it("lists the boot files in the order the phone asks for them", () => {
    expect(yealink.bootFiles(mac, "T54W")).toEqual([
      { name: "805ec0a1b2c3.boot", kind: "device" },
      { name: "y000000000096.cfg", kind: "common" },
      { name: "805ec0a1b2c3.cfg", kind: "device" },
    ]);
    expect(yealink.bootFiles(mac, "T53")[1]).toEqual({ name: "y000000000095.cfg", kind: "common" });
    expect(yealink.bootFiles(mac, "T46G")).toEqual([
      { name: "805ec0a1b2c3.boot", kind: "device" },
      { name: "805ec0a1b2c3.cfg", kind: "device" },
    ]);
  });
});

describe("yealink time", () => {
  it.each([
    [0, "0"], [60, "+1"], [-300, "-5"], [330, "+5:30"], [345, "+5:45"], [-210, "-3:30"], [780, "+13"],
  ])("writes offset %i as %s", (minutes, text) => {
    expect(formatZoneOffset(minutes)).toBe(text);
  });

  it("writes southern-hemisphere DST with the start in spring (October)", () => {
    const time = buildTime(describeTimeZone("Australia/Sydney", GOLDEN_NOW), ["a", "b", "c"]);
    expect(time).toMatchObject({
      timeZone: "+10",
      summerTime: "1",
      dst: { type: "1", start: "10/1/7/2", end: "4/1/7/3", offset: "60" },
      ntpServer1: "a",
      ntpServer2: "b",
    });
  });

  it("writes Europe's last-Sunday rules as week 5", () => {
    const time = buildTime(describeTimeZone("Europe/Berlin", GOLDEN_NOW), []);
    expect(time.dst).toEqual({ type: "1", start: "3/5/7/2", end: "10/5/7/3", offset: "60" });
  });
});
