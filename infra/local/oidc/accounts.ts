import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The staff who can sign in to a local run (the embedded OpenID Connect provider's user store).
 * Synthetic people only. `sub` values are the user ids the seeded directory and existing local
 * data reference, so they must not change; `groups` carries the Sidecar role as Cognito's
 * `cognito:groups` does on AWS.
 */
export interface LocalAccount {
  /** Subject identifier: the Sidecar user id. */
  sub: string;
  /** What the person types on the sign-in page. */
  username: string;
  name: string;
  email: string;
  /** Group names, emitted as the groups claim; one Sidecar role each for the seeded staff. */
  groups: readonly string[];
}

export const LOCAL_ACCOUNTS: readonly LocalAccount[] = [
  { sub: 'u-casey', username: 'casey', name: 'Casey Coordinator', email: 'casey@sidecar.local', groups: ['coordinator'] },
  { sub: 'u-riley', username: 'riley', name: 'Riley Coordinator', email: 'riley@sidecar.local', groups: ['coordinator'] },
  { sub: 'u-nora', username: 'nora', name: 'Nora Nurse', email: 'nora@sidecar.local', groups: ['nurse'] },
  { sub: 'u-ada', username: 'ada', name: 'Ada Admin', email: 'ada@sidecar.local', groups: ['admin'] },
  { sub: 'u-aubrey', username: 'aubrey', name: 'Aubrey Auditor', email: 'aubrey@sidecar.local', groups: ['auditor'] },
];

/** The one password every local account shares unless the caller overrides it. */
export const DEFAULT_LOCAL_PASSWORD = 'sidecar-local';

/** Environment variable the local tools read the shared password from (see infra/scripts/token.ts). */
export const LOCAL_PASSWORD_ENV = 'SIDECAR_LOCAL_PASSWORD';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * The account a username/password pair signs in as, or undefined. The password is compared in
 * constant time and even for an unknown username, so the answer's timing does not tell which
 * usernames exist. Never log the inputs.
 */
export function authenticateLocalAccount(
  accounts: readonly LocalAccount[],
  password: string,
  credentials: { username: string; password: string },
): LocalAccount | undefined {
  const username = credentials.username.trim().toLowerCase();
  const account = accounts.find((a) => a.username.toLowerCase() === username);
  const passwordMatches = timingSafeEqual(digest(credentials.password), digest(password));
  return account && passwordMatches ? account : undefined;
}
