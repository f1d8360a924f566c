import type { AppContext } from '../context';
import { applyPlan, changeReferralAt, inWrittenOrder, timelineEntry } from './change';
import { findAnotherProviderWork } from './find-another-provider';
import type { ActorRef, Referral } from './schema';
import { type ReferralAction, ZReferralAction, planTransition } from './state-machine';

/**
 * A person moves a referral (accept, reject, schedule, no-show, hold, resume, close, cancel…).
 * Illegal moves are a 409 with the reason; a stale `version` is a 409 too. Every change adds a
 * timeline entry with who, when, from → to and the note or reason. A rejection also creates the
 * coordinators' task to find another provider, in the same transaction (see findAnotherProviderWork).
 */
export async function transitionReferral(
  ctx: AppContext,
  options: { actor: ActorRef; id: string; version: number; action: ReferralAction },
): Promise<Referral> {
  const action = ZReferralAction.parse(options.action);
  return changeReferralAt(ctx, options.id, options.version, (current) => {
    const now = ctx.clock.now();
    const plan = planTransition(current, action, now);
    const after = applyPlan(current, plan, now);
    const work = after.status === 'rejected' && current.status !== 'rejected' ? findAnotherProviderWork(ctx, after, now) : undefined;
    return {
      after,
      entries: inWrittenOrder([
        timelineEntry(current, options.actor, now, {
          kind: 'transition',
          action: action.action,
          from: { status: current.status, businessStatus: current.businessStatus },
          to: { status: after.status, businessStatus: after.businessStatus },
          ...(plan.note ? { note: plan.note } : {}),
        }),
        ...(work ? [work.referralEntry] : []),
      ]),
      ...(work ? { transactItems: work.transactItems } : {}),
    };
  });
}
