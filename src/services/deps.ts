import type { Db } from "../db/client.ts";
import type { Data } from "../db/data.ts";
import type { SecretBox } from "../secrets.ts";

/** What services need: the database, the secret box, and a clock (tests pass a fixed one). */
export interface ServiceDeps {
  readonly db: Db;
  /** The asynchronous handle of converted code, on SQLite or PostgreSQL (docs/scale-out.md#data-access-on-two-databases). */
  readonly data: Data;
  readonly secrets: SecretBox;
  readonly clock: () => Date;
}
