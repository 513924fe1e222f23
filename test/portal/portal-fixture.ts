import { loadDemo } from "../../src/demo.ts";
import { createSystemUser, findAccount, setPassword } from "../../src/portal/accounts.ts";
import { hashPassword } from "../../src/portal/passwords.ts";
import { putProfile, readSettings } from "../../src/services/extension-settings/sections.ts";
import { startTestServer, type Runtime, type TestServer } from "../helpers/test-server.ts";

export const PASSWORD = "correct horse battery";
export const TENANT = "demo.example";

export interface PortalServer extends TestServer {
  /** http://127.0.0.1:<apiPort> */
  readonly base: string;
}

/**
 * The demo site with one system account per role (admin, technician, readonly; password PASSWORD)
 * and extension 101's user (`101@demo.example`) allowed to log in with the same password.
 */
export async function startPortal(overrides: Record<string, unknown> = {}, prepare?: (rt: Runtime) => void | Promise<void>): Promise<PortalServer> {
  const hash = await hashPassword(PASSWORD);
  const server = await startTestServer(overrides, async (rt) => {
    await loadDemo(rt);
    for (const role of ["admin", "technician", "readonly"] as const) await createSystemUser(rt, { username: role, role }, hash);
    const ext = (await readSettings(rt, TENANT, "101")).settings.profile;
    await putProfile(rt, TENANT, "101", { ...ext, loginAllowed: true });
    await setPassword(rt, (await findAccount(rt, `101@${TENANT}`))!, hash);
    await prepare?.(rt);
  });
  return { ...server, base: `http://127.0.0.1:${server.server.apiPort}` };
}
