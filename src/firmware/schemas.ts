import { z } from "zod";
import { VERSION } from "./names.ts";

/** Body of `PUT /tenants/{tenant}/firmware/{vendor}/{model}`. */
export const FirmwarePinInput = z.strictObject({
  version: z.string().regex(VERSION, "must be a catalogued version: letters, digits, '.', '_' and '-', at most 32"),
});
