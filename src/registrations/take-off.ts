import type { Db } from "../db/client.ts";
import { disabledExtensions } from "../db/schema.ts";

/**
 * The two ways to take an extension off its phones. `remove` is `removeExtensionFromPhones`
 * (src/services/extension-usage.ts): out of every line, key, layout and group that shows it.
 * `disable` keeps everything and the resolver renders nothing for it (lines, plain keys and
 * expanded keys).
 */
export function disable(tx: Db, extensionId: number, requestId: number, now: number): void {
  tx.insert(disabledExtensions).values({ extensionId, disabledAt: now, requestId }).onConflictDoNothing().run();
}
