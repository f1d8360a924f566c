import { z } from 'zod';

export const ROLES = ['coordinator', 'nurse', 'admin', 'auditor'] as const;
export const ZRole = z.enum(ROLES);
export type Role = z.infer<typeof ZRole>;

export const ZUser = z.object({ id: z.string(), name: z.string(), role: ZRole });
export type User = z.infer<typeof ZUser>;

/**
 * The seeded staff directory. Until sign-in (OIDC) lands, the auth middleware acts as the user
 * named by SIDECAR_DEV_USER, and assignment picks from this list. Synthetic people only.
 */
export const SEEDED_USERS: readonly User[] = [
  { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' },
  { id: 'u-riley', name: 'Riley Coordinator', role: 'coordinator' },
  { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' },
  { id: 'u-ada', name: 'Ada Admin', role: 'admin' },
  { id: 'u-aubrey', name: 'Aubrey Auditor', role: 'auditor' },
];

export function findUser(id: string): User | undefined {
  return SEEDED_USERS.find((u) => u.id === id);
}
