import { describe, expect, it } from "vitest";
import { createExtension } from "../../src/services/extensions.ts";
import { createGroup } from "../../src/services/groups.ts";
import { createLayout } from "../../src/services/key-layouts.ts";
import { ExtensionInput, KeysInput, TenantInput } from "../../src/services/schemas.ts";
import { createTenant, deleteTenant } from "../../src/services/tenants.ts";
import { createTestDeps, tableCounts } from "../helpers/test-deps.ts";

describe("deleting a tenant", () => {
  it("takes its extensions, settings, groups and key layouts with it", async () => {
    const deps = createTestDeps();
    await createTenant(deps, TenantInput.parse({ sipDomain: "gone.example", sipServerHost: "pbx.gone.example" }));
    for (const n of ["101", "102"]) await createExtension(deps, "gone.example", ExtensionInput.parse({ number: n, displayName: n }));
    await createGroup(deps, "gone.example", { name: "all", members: ["101", "102"] });
    await createLayout(deps, "gone.example", { name: "panel", keys: KeysInput.parse([{ index: 1, kind: "blf", value: "101" }, { index: 2, kind: "blf_group", value: "all" }]) });
    await deleteTenant(deps, "gone.example");
    const counts = tableCounts(deps);
    for (const t of ["extensions", "extension_settings", "extension_groups", "extension_group_members", "key_layouts", "key_layout_keys"]) expect(counts[t], t).toBe(0);
    deps.close();
  });
});
