import { hash, verify } from "@node-rs/argon2";

/**
 * Portal passwords: argon2id (RFC 9106) through @node-rs/argon2, whose native build ships inside
 * the npm package. Parameters are OWASP's first recommended set for argon2id (19 MiB, 2 passes,
 * 1 lane); the PHC string carries them, so raising them later still verifies old hashes.
 */
const OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string): Promise<string> => hash(password, OPTIONS);

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/** A hash of a random password: verifying against it costs as much as a real one (no timing hint that an account is missing). */
let dummy: Promise<string> | null = null;
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword(`dummy-${Math.random()}`));

/** The rule for a password chosen in the portal or given on stdin. */
export function passwordProblem(password: string): string | null {
  if (password.length < 10) return "must be at least 10 characters";
  if (password.length > 256) return "must be at most 256 characters";
  if (/[\u0000-\u001f\u007f]/.test(password)) return "must not contain control characters";
  return null;
}
