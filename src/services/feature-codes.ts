import { eq } from "drizzle-orm";
import { featureCodes } from "../db/schema.ts";
import { featureCodesFrom, type FeatureCodes } from "../domain/feature-codes.ts";
import type { ServiceDeps } from "./deps.ts";

/** A tenant's star codes (its rows over the defaults); updateFeatureCodes in tenants.ts writes them. */
export function getFeatureCodes(deps: Pick<ServiceDeps, "db">, tenantId: number): FeatureCodes {
  return featureCodesFrom(deps.db.select().from(featureCodes).where(eq(featureCodes.tenantId, tenantId)).all());
}
