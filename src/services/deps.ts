import type { Db } from "../db/client.ts";
import type { SecretBox } from "../secrets.ts";

/** What services need: the database, the secret box, and a clock (tests pass a fixed one). */
export interface ServiceDeps {
  readonly db: Db;
  readonly secrets: SecretBox;
  readonly clock: () => Date;
}
