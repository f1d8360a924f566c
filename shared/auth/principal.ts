import { ForbiddenError, UnauthorizedError } from '../errors';
import { ROLES, type Role, type User, ZUserId } from '../users/directory';

/**
 * The signed-in user from verified token claims: `sub` is the id, the groups claim carries the
 * role. Exactly one Sidecar role is required — none or several is refused (deny by default:
 * an IdP misconfiguration must not widen access).
 */
export function principalFromClaims(claims: Record<string, unknown>, groupsClaim: string): User {
  const id = ZUserId.safeParse(claims.sub);
  if (!id.success) throw new UnauthorizedError('The token has no usable subject');
  const raw = claims[groupsClaim];
  const groups = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  const roles = ROLES.filter((r) => groups.includes(r));
  if (roles.length !== 1) {
    throw new ForbiddenError(roles.length === 0 ? 'Your account has no Sidecar role' : 'Your account has more than one Sidecar role');
  }
  const name = [claims.name, claims.email, claims['cognito:username'], claims.username].find((v): v is string => typeof v === 'string' && v.length > 0);
  return { id: id.data, name: (name ?? id.data).slice(0, 200), role: roles[0] as Role };
}
