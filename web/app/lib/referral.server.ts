import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { addReferralNote } from '../../../shared/referrals/add-referral-note';
import { assignReferral, claimReferral } from '../../../shared/referrals/assign-referral';
import type { EhrContext } from '../../../shared/referrals/get-ehr-context';
import type { ReferralView } from '../../../shared/referrals/get-referral';
import { queueName } from '../../../shared/referrals/queues';
import { OPEN_STATUSES, type Referral } from '../../../shared/referrals/schema';
import { canMove, ZReferralAction } from '../../../shared/referrals/state-machine';
import { transitionReferral } from '../../../shared/referrals/transition-referral';
import type { User } from '../../../shared/users/directory';
import { languageName, type ReferralIntent, type TransitionIntent } from './labels';
import { formValues } from './session.server';
import { zonedLocalToIso } from './time';

const TRANSITION_INTENTS = ZReferralAction.options.map((o) => o.shape.action.value) as TransitionIntent[];

/**
 * The forms the referral page offers in the referral's current state: the state machine's legal
 * moves (canMove) plus the business-status rules of planTransition. Only a hint for the page: the
 * use-cases validate every POST again.
 */
export function availableActions(referral: Referral): ReferralIntent[] {
  const { status, businessStatus } = referral;
  const open = OPEN_STATUSES.includes(status);
  const can: Record<ReferralIntent, boolean> = {
    claim: open && !referral.assignee,
    assign: open,
    note: true,
    accept: canMove(status, 'accepted'),
    reject: canMove(status, 'rejected'),
    'request-docs': open && status !== 'on-hold' && businessStatus !== 'awaiting-docs',
    'docs-received': open && businessStatus === 'awaiting-docs',
    schedule: status !== 'requested' && (status === 'in-progress' || canMove(status, 'in-progress')) && businessStatus !== 'appointment-booked',
    'no-show': status === 'in-progress' && businessStatus === 'appointment-booked',
    hold: canMove(status, 'on-hold'),
    resume: status === 'on-hold' && canMove(status, 'in-progress'),
    close: status !== 'requested' && canMove(status, 'completed'),
    cancel: canMove(status, 'cancelled'),
    fail: canMove(status, 'failed'),
  };
  return (Object.keys(can) as ReferralIntent[]).filter((k) => can[k]);
}

const ZVersion = z.coerce.number({ error: 'Reload the page: the form lost its version' }).int().min(1);

/** Form fields a failed POST sends back to prefill its form (shown only to the same user). */
export const ECHOED_FIELDS = ['reason', 'outcome', 'note', 'text', 'appointmentAt', 'timeZone', 'assigneeId'] as const;

export type ReferralCommand =
  | { intent: 'claim'; version: number }
  | { intent: 'assign'; version: number; assigneeId: string | null }
  | { intent: 'note'; text: string }
  | { intent: TransitionIntent; version: number; action: z.infer<typeof ZReferralAction> };

/**
 * Parses one of the referral page's forms. Throws ZodError (field messages) or TimeInputError;
 * `schedule` reads its `datetime-local` value in the chosen IANA zone and sends ISO with offset.
 */
export function parseReferralForm(form: FormData): ReferralCommand {
  const v = formValues(form, ['intent', 'version', ...ECHOED_FIELDS]);
  const intent = z.enum(['claim', 'assign', 'note', ...TRANSITION_INTENTS] as [ReferralIntent, ...ReferralIntent[]], { error: 'Unknown action' }).parse(v.intent);
  switch (intent) {
    case 'claim':
      return { intent, version: ZVersion.parse(v.version) };
    case 'assign':
      return { intent, version: ZVersion.parse(v.version), assigneeId: z.string().max(100).optional().parse(v.assigneeId) ?? null };
    case 'note':
      return { intent, text: z.string({ error: 'Write the note first' }).parse(v.text) };
    default: {
      const version = ZVersion.parse(v.version);
      const fields =
        intent === 'schedule'
          ? { appointmentAt: zonedLocalToIso(v.appointmentAt ?? '', v.timeZone ?? 'UTC'), note: v.note }
          : { reason: v.reason ?? '', outcome: v.outcome ?? '', note: v.note };
      return { intent, version, action: ZReferralAction.parse({ action: intent, ...fields }) };
    }
  }
}

/** Runs the one use-case a referral form stands for. */
export async function runReferralCommand(ctx: AppContext, actor: User, id: string, command: ReferralCommand): Promise<void> {
  const who = { id: actor.id, name: actor.name };
  switch (command.intent) {
    case 'claim':
      await claimReferral(ctx, { actor: who, id, version: command.version });
      return;
    case 'assign':
      await assignReferral(ctx, { actor: who, id, version: command.version, assigneeId: command.assigneeId });
      return;
    case 'note':
      await addReferralNote(ctx, { actor: who, id, text: command.text });
      return;
    default:
      await transitionReferral(ctx, { actor: who, id, version: command.version, action: command.action });
  }
}

type CodeableConcept = { text?: string; coding?: { code?: string; display?: string }[] };
function conceptText(c: CodeableConcept | undefined): string | undefined {
  return c?.text ?? c?.coding?.find((k) => k.display)?.display ?? c?.coding?.find((k) => k.code)?.code;
}

/** The EHR's clinical context, flattened to what the page shows. PHI: render, never log. */
export function toClinicalContext(ehr: EhrContext) {
  const sr = ehr.serviceRequest;
  return {
    available: ehr.available,
    problem: ehr.problem,
    order: sr
      ? {
          status: sr.status,
          authoredOn: sr.authoredOn,
          service: conceptText(sr.code),
          reasons: (sr.reasonCode ?? []).map(conceptText).filter((t): t is string => !!t),
          notes: (sr.note ?? []).map((n) => n.text).filter((t): t is string => !!t),
          requester: sr.requester?.display,
          performers: (sr.performer ?? []).map((p) => p.display).filter((t): t is string => !!t),
        }
      : undefined,
    conditions: (ehr.conditions ?? []).map((c, i) => ({
      key: c.id ?? String(i),
      name: conceptText(c.code) ?? 'Unnamed condition',
      clinicalStatus: conceptText(c.clinicalStatus),
      since: c.onsetDateTime ?? c.recordedDate,
    })),
  };
}

/** The referral page's data: what it shows, minus storage details (EHR versions). */
export function toReferralPage(view: ReferralView) {
  const { ehrVersions: _versions, ...referral } = view.referral;
  const p = view.patient;
  return {
    referral: { ...referral, queueName: queueName(referral.queue) },
    patient: p
      ? { id: p.id, name: p.name?.text, birthDate: p.birthDate, language: languageName(p.language), pending: p.pending }
      : undefined,
    overdue: view.overdue,
    links: view.links,
    timeline: [...view.timeline].sort((a, b) => (a.at === b.at ? b.id.localeCompare(a.id) : b.at.localeCompare(a.at))),
    actions: availableActions(view.referral),
  };
}
