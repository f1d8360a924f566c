import { z } from 'zod';
import { ConflictError } from '../errors';
import {
  type BusinessStatus,
  type Referral,
  type ReferralStatus,
  MAX_REFERRAL_HOLDS,
  ZEhrLink,
  TERMINAL_STATUSES,
} from './schema';

/**
 * Legal FHIR Task status moves for a referral. The HL7 SDOH Clinical Care profile's
 * `requested → accepted | rejected`, `accepted → in-progress | on-hold | cancelled | completed | failed`,
 * `in-progress ⇄ on-hold`, plus what FHIR Task allows around them: a requested referral can be
 * cancelled (the EHR revokes it), and in-progress work can complete, fail or be cancelled.
 * See docs/decisions/003-referral-state-machine.md.
 */
export const TRANSITIONS: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  requested: ['accepted', 'rejected', 'cancelled'],
  accepted: ['in-progress', 'on-hold', 'cancelled', 'completed', 'failed'],
  'in-progress': ['on-hold', 'completed', 'failed', 'cancelled'],
  'on-hold': ['in-progress', 'cancelled', 'failed'],
  rejected: [],
  completed: [],
  cancelled: [],
  failed: [],
};

export function canMove(from: ReferralStatus, to: ReferralStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The shortest legal chain of statuses from `from` to `to` (exclusive of `from`), or undefined. */
export function statusPath(from: ReferralStatus, to: ReferralStatus): ReferralStatus[] | undefined {
  if (from === to) return [];
  const queue: ReferralStatus[][] = [[from]];
  const seen = new Set<ReferralStatus>([from]);
  while (queue.length > 0) {
    const path = queue.shift()!;
    const last = path[path.length - 1]!;
    for (const next of TRANSITIONS[last]) {
      if (seen.has(next)) continue;
      if (next === to) return [...path.slice(1), next];
      seen.add(next);
      queue.push([...path, next]);
    }
  }
  return undefined;
}

const reason = z.string().trim().min(1, 'A reason is required').max(2000);
const optionalNote = z.string().trim().max(2000).optional();

/** What a person can do to a referral from the console or the API. */
export const ZReferralAction = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), note: optionalNote }),
  z.object({ action: z.literal('reject'), reason }),
  z.object({ action: z.literal('request-docs'), note: optionalNote }),
  z.object({ action: z.literal('docs-received'), note: optionalNote }),
  z.object({ action: z.literal('schedule'), appointmentAt: z.iso.datetime({ offset: true }), note: optionalNote }),
  z.object({ action: z.literal('no-show'), note: optionalNote }),
  z.object({ action: z.literal('hold'), reason }),
  z.object({ action: z.literal('resume'), note: optionalNote }),
  z.object({ action: z.literal('close'), outcome: reason }),
  z.object({ action: z.literal('cancel'), reason }),
  z.object({ action: z.literal('fail'), reason }),
]);
export type ReferralAction = z.infer<typeof ZReferralAction>;

/** What the EHR's events do to a referral (applied by consumers, never by people). */
export type EhrAction =
  | { action: 'ehr-revoked'; reason: string }
  | { action: 'ehr-appointment-booked'; start?: string; link: z.infer<typeof ZEhrLink> }
  | { action: 'ehr-appointment-noshow'; link: z.infer<typeof ZEhrLink> }
  | { action: 'ehr-appointment-cancelled'; link: z.infer<typeof ZEhrLink> }
  | { action: 'ehr-outcome'; link: z.infer<typeof ZEhrLink>; description: string };

export type AnyAction = ReferralAction | EhrAction;

export interface TransitionPlan {
  status: ReferralStatus;
  businessStatus: BusinessStatus;
  /** Fields to change beside the statuses. */
  patch: Partial<Pick<Referral, 'statusReason' | 'appointment' | 'outcome' | 'loopClosedAt'>>;
  /** Free text for the timeline entry (a reason, an outcome, a note). */
  note?: string;
  /** The statuses walked through on the way, for automatic EHR-driven moves. */
  via: ReferralStatus[];
}

function refuse(referral: Referral, action: string, why: string): never {
  throw new ConflictError(`Cannot ${action} a referral that is ${referral.status} (${referral.businessStatus}): ${why}`, {
    status: referral.status,
    businessStatus: referral.businessStatus,
    action,
  });
}

function move(referral: Referral, action: string, to: ReferralStatus, walk: boolean): ReferralStatus[] {
  if (referral.status === to) return [];
  if (walk) {
    const path = statusPath(referral.status, to);
    if (path) return path;
  } else if (canMove(referral.status, to)) {
    return [to];
  }
  return refuse(referral, action, `${referral.status} cannot become ${to}`);
}

/**
 * Decides what an action does to a referral, or throws ConflictError with the reason it is
 * illegal. Pure: the caller persists the plan with optimistic concurrency. EHR-driven actions
 * walk the shortest legal path (an appointment booked on a requested referral accepts it first).
 */
export function planTransition(referral: Referral, input: AnyAction, now: Date): TransitionPlan {
  const at = now.toISOString();
  const plan = (status: ReferralStatus, businessStatus: BusinessStatus, via: ReferralStatus[], patch: TransitionPlan['patch'] = {}, note?: string): TransitionPlan => ({
    status,
    businessStatus,
    via,
    patch,
    ...(note ? { note } : {}),
  });
  const terminal = TERMINAL_STATUSES.includes(referral.status);

  switch (input.action) {
    case 'accept':
      return plan('accepted', 'scheduling', move(referral, 'accept', 'accepted', false), {}, input.note);
    case 'reject':
      return plan('rejected', referral.businessStatus, move(referral, 'reject', 'rejected', false), { statusReason: input.reason }, input.reason);
    case 'request-docs':
      if (terminal || referral.status === 'on-hold') refuse(referral, 'request documents for', 'only open, active referrals can wait for documents');
      return plan(referral.status, 'awaiting-docs', [], {}, input.note);
    case 'docs-received':
      if (referral.businessStatus !== 'awaiting-docs') refuse(referral, 'mark documents received on', 'it is not awaiting documents');
      return plan(referral.status, referral.status === 'requested' ? 'triage' : 'scheduling', [], {}, input.note);
    case 'schedule': {
      if (referral.status === 'requested') refuse(referral, 'schedule', 'accept it first');
      const via = move(referral, 'schedule', 'in-progress', false);
      return plan('in-progress', 'appointment-booked', via, { appointment: { ...referral.appointment, start: input.appointmentAt, status: 'booked' } }, input.note);
    }
    case 'no-show':
      if (referral.businessStatus !== 'appointment-booked' || referral.status !== 'in-progress') refuse(referral, 'record a no-show on', 'no appointment is booked');
      return plan('in-progress', 'no-show', [], { appointment: { ...referral.appointment, status: 'noshow' } }, input.note);
    case 'hold':
      if ((referral.holds?.length ?? 0) >= MAX_REFERRAL_HOLDS) refuse(referral, 'hold', `it has been on hold ${MAX_REFERRAL_HOLDS} times already`);
      return plan('on-hold', referral.businessStatus, move(referral, 'hold', 'on-hold', false), { statusReason: input.reason }, input.reason);
    case 'resume':
      return plan('in-progress', referral.businessStatus, move(referral, 'resume', 'in-progress', false), { statusReason: undefined }, input.note);
    case 'close':
      if (referral.status === 'requested') refuse(referral, 'close', 'accept it first');
      return plan('completed', 'outcome-received', move(referral, 'close', 'completed', false), {
        outcome: { receivedAt: at, description: input.outcome },
        loopClosedAt: at,
      }, input.outcome);
    case 'cancel':
      return plan('cancelled', referral.businessStatus, move(referral, 'cancel', 'cancelled', false), { statusReason: input.reason }, input.reason);
    case 'fail':
      return plan('failed', referral.businessStatus, move(referral, 'fail', 'failed', false), { statusReason: input.reason }, input.reason);

    case 'ehr-revoked':
      if (terminal) refuse(referral, 'cancel', 'it is already closed');
      return plan('cancelled', referral.businessStatus, move(referral, 'cancel', 'cancelled', true), { statusReason: input.reason }, input.reason);
    case 'ehr-appointment-booked':
      if (terminal) refuse(referral, 'book an appointment on', 'it is already closed');
      return plan('in-progress', 'appointment-booked', move(referral, 'book an appointment on', 'in-progress', true), {
        appointment: { link: input.link, status: 'booked', ...(input.start ? { start: input.start } : {}) },
      });
    case 'ehr-appointment-noshow':
      if (terminal) refuse(referral, 'record a no-show on', 'it is already closed');
      return plan(referral.status === 'on-hold' ? 'on-hold' : 'in-progress', 'no-show', move(referral, 'record a no-show on', referral.status === 'on-hold' ? 'on-hold' : 'in-progress', true), {
        appointment: { ...referral.appointment, link: input.link, status: 'noshow' },
      });
    case 'ehr-appointment-cancelled':
      if (terminal) refuse(referral, 'cancel the appointment of', 'it is already closed');
      return plan(referral.status, 'scheduling', [], { appointment: { ...referral.appointment, link: input.link, status: 'cancelled' } });
    case 'ehr-outcome':
      if (terminal) refuse(referral, 'close', 'it is already closed');
      return plan('completed', 'outcome-received', move(referral, 'close', 'completed', true), {
        outcome: { link: input.link, receivedAt: at, description: input.description },
        loopClosedAt: at,
      }, input.description);
  }
}
