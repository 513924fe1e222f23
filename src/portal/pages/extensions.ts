import Router from "@koa/router";
import type { ProvisionDeps } from "../../provisioning/provision.ts";
import type { PortalState } from "../request.ts";
import type { PortalOptions } from "../settings.ts";

export function extensionRoutes(_deps: ProvisionDeps, _options: PortalOptions): Router<PortalState> {
  return new Router<PortalState>();
}
