import { lt, lte } from "drizzle-orm";
import type { Data } from "../db/data.ts";
import type { SecretBox } from "../secrets.ts";
import { processNonceScope, type NonceScope } from "./digest.ts";

/**
 * The Digest nonce scope of several nodes on one PostgreSQL database (docs/scale-out.md): the
 * signing key derived from the secret key every node holds, so any node checks any node's nonce
 * without a round trip, and the replay counts in `digest_nonces`, so a response accepted by one
 * node is refused when replayed to another.
 *
 * Each count is one statement that PostgreSQL locks itself, an upsert that only raises `nc`: of two
 * nodes given the same response at once, one inserts or raises the row and gets it back, the other
 * finds `nc` not lower and gets no row. So READ COMMITTED suffices (docs/scale-out.md#transactions).
 */
export function sharedNonceScope(data: Data, secrets: SecretBox): NonceScope {
  return {
    key: secrets.deriveKey("digest nonce"),
    counts: {
      async advance(nonce, nc, expiresAt) {
        const raised = await data.write(
          (q) =>
            q.db
              .insert(q.t.digestNonces)
              .values({ nonce, nc, expiresAt })
              .onConflictDoUpdate({ target: q.t.digestNonces.nonce, set: { nc }, setWhere: lt(q.t.digestNonces.nc, nc) })
              .returning({ nc: q.t.digestNonces.nc }),
          { isolation: "read committed" },
        );
        return raised.length > 0;
      },
      async sweep(now) {
        await data.write((q) => q.db.delete(q.t.digestNonces).where(lte(q.t.digestNonces.expiresAt, now)), { isolation: "read committed" });
      },
    },
  };
}

/**
 * The scope a server's phone listener uses: shared on PostgreSQL, where several nodes serve one
 * database; this process's own on SQLite, where one server serves a data directory and keeping the
 * counts in memory costs no write per request.
 */
export function nonceScopeFor(data: Data, secrets: SecretBox): NonceScope {
  return data.dialect === "postgres" ? sharedNonceScope(data, secrets) : processNonceScope();
}
