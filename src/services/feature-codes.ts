import { eq } from "drizzle-orm";
import type { Query } from "../db/data.ts";
// eslint-disable-next-line no-restricted-imports -- the synchronous form below, kept for the request path
import { featureCodes } from "../db/schema.ts";
import { featureCodesFrom, type FeatureCodes } from "../domain/feature-codes.ts";
import type { ServiceDeps } from "./deps.ts";

/**
 * A tenant's star codes (its rows over the defaults); updateFeatureCodes in tenants.ts writes them.
 * Synchronous form, kept for the credential reader of the request path (src/pbx/credentials-sync.ts)
 * until it moves to the asynchronous handle; everything else uses loadFeatureCodes.
 */
export function getFeatureCodes(deps: Pick<ServiceDeps, "db">, tenantId: number): FeatureCodes {
  // eslint-disable-next-line no-restricted-syntax -- the synchronous form, kept for the request path
  return featureCodesFrom(deps.db.select().from(featureCodes).where(eq(featureCodes.tenantId, tenantId)).all());
}

/** getFeatureCodes for converted code, in a `data.read` or `data.write`. */
export async function loadFeatureCodes(q: Query, tenantId: number): Promise<FeatureCodes> {
  return featureCodesFrom(await q.db.select().from(q.t.featureCodes).where(eq(q.t.featureCodes.tenantId, tenantId)));
}
