import { describe, expect, it } from "vitest";
import { auditLog } from "../../src/db/schema.ts";
import { maskSecrets, recordAudit } from "../../src/services/audit.ts";
import { createTestDeps } from "../helpers/test-deps.ts";

describe("audit log", () => {
  it("masks secret fields at any depth", () => {
    expect(maskSecrets({ sipPassword: "x", nested: [{ provisioningPassword: "y", label: "ok" }], pin: null })).toEqual({
      sipPassword: "***",
      nested: [{ provisioningPassword: "***", label: "ok" }],
      pin: null,
    });
  });

  it("keeps a flag under a secret-looking name: a boolean says whether, never what", () => {
    expect(maskSecrets({ passwordRotated: true, sipPassword: "x", requirePin: false, voicemailPin: "1234" })).toEqual({
      passwordRotated: true,
      sipPassword: "***",
      requirePin: false,
      voicemailPin: "***",
    });
  });

  it("stores an event with masked before/after", () => {
    const deps = createTestDeps();
    recordAudit(deps.db, 1, { actor: "cli", action: "extension.update", target: "extension:t/101", before: { displayName: "a", sipPassword: "s" }, after: { displayName: "b" } });
    const rows = deps.db.select().from(auditLog).all();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: "cli", action: "extension.update", before: { displayName: "a", sipPassword: "***" }, outcome: "ok" });
    deps.close();
  });
});
