import type { AppContext } from '../context';
import { BadRequestError, ConflictError } from '../errors';
import { findUser } from '../users/directory';
import { changeReferralAt, timelineEntry } from './change';
import { type ActorRef, type Referral, TERMINAL_STATUSES } from './schema';

function assign(ctx: AppContext, actor: ActorRef, current: Referral, assignee: ActorRef | undefined, note: string) {
  if (TERMINAL_STATUSES.includes(current.status)) {
    throw new ConflictError(`Cannot assign a referral that is ${current.status}`);
  }
  const now = ctx.clock.now();
  const after: Referral = { ...current, version: current.version + 1, updatedAt: now.toISOString() };
  if (assignee) after.assignee = assignee;
  else delete after.assignee;
  return { after, entries: [timelineEntry(current, actor, now, { kind: 'assignment', note })] };
}

/**
 * Claim: the actor takes an unassigned referral. If someone else holds it, a 409 says who —
 * two coordinators claiming at once: exactly one wins (conditional write on the version).
 */
export async function claimReferral(ctx: AppContext, options: { actor: ActorRef; id: string; version: number }): Promise<Referral> {
  return changeReferralAt(ctx, options.id, options.version, (current) => {
    if (current.assignee && current.assignee.id !== options.actor.id) {
      throw new ConflictError(`Already claimed by ${current.assignee.name}`, { assignee: current.assignee });
    }
    if (current.assignee?.id === options.actor.id) throw new ConflictError('You already hold this referral');
    return assign(ctx, options.actor, current, options.actor, `Claimed by ${options.actor.name}`);
  });
}

/** Assign (or, with no assignee, release) a referral to a member of staff. */
export async function assignReferral(
  ctx: AppContext,
  options: { actor: ActorRef; id: string; version: number; assigneeId: string | null },
): Promise<Referral> {
  const user = options.assigneeId ? await findUser(ctx, options.assigneeId) : undefined;
  if (options.assigneeId && !user) throw new BadRequestError('Unknown assignee');
  if (user && user.role !== 'coordinator') throw new BadRequestError('Referrals are assigned to coordinators');
  const assignee = user ? { id: user.id, name: user.name } : undefined;
  return changeReferralAt(ctx, options.id, options.version, (current) =>
    assign(ctx, options.actor, current, assignee, assignee ? `Assigned to ${assignee.name}` : 'Released to the queue'),
  );
}
