// Entry of the CSV import's worker thread (src/onboarding/off-thread.ts). A worker does not inherit
// the module hooks the main thread registered, so it registers tsx itself before loading the
// TypeScript module, as bin/phonehome.mjs does for the process.
import { register } from "tsx/esm/api";

register();
await import("./import-worker.ts");
