import type { Query } from "../db/data.ts";

/**
 * The two ways to take an extension off its phones. `remove` is `removeExtensionFromPhonesIn`
 * (src/services/extension-usage.ts): out of every line, key, layout and group that shows it.
 * `disable` keeps everything and the resolver renders nothing for it (lines, plain keys and
 * expanded keys).
 */
export async function disableIn(q: Query, extensionId: number, requestId: number, now: number): Promise<void> {
  await q.db.insert(q.t.disabledExtensions).values({ extensionId, disabledAt: now, requestId }).onConflictDoNothing();
}
