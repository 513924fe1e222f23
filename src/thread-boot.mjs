// Entry of phonehome's worker threads (the CSV import, the fetch log): a worker does not inherit the
// module hooks the main thread registered, so it registers tsx itself before loading the TypeScript
// module named by its first argument, as bin/phonehome.mjs does for the process.
import { register } from "tsx/esm/api";

register();
await import(process.argv[2]);
