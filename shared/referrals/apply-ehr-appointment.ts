import type { Appointment } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { ConflictError } from '../errors';
import { isNewerVersion } from '../fhir/versions';
import type { ApplyResult } from './apply-ehr-service-request';
import { applyPlan, changeReferralWithRetry, recordEhrNote, timelineEntry } from './change';
import { referralForServiceRequest, serviceRequestRefs } from './link-from-ehr';
import { EHR_ACTOR, type Referral } from './schema';
import { type EhrAction, planTransition } from './state-machine';

const BOOKED = ['booked', 'arrived', 'checked-in', 'fulfilled', 'pending'];

function actionFor(appt: Appointment, link: { sourceId: string; reference: string }): EhrAction | undefined {
  if (BOOKED.includes(appt.status)) return { action: 'ehr-appointment-booked', link, ...(appt.start ? { start: appt.start } : {}) };
  if (appt.status === 'noshow') return { action: 'ehr-appointment-noshow', link };
  if (appt.status === 'cancelled' || appt.status === 'entered-in-error') return { action: 'ehr-appointment-cancelled', link };
  return undefined;
}

/**
 * An EHR Appointment based on a referral's ServiceRequest: booked → `appointment-booked` with its
 * date (accepting a still-requested referral on the way), no-show → `no-show`, cancelled → back to
 * `scheduling`. Version-gated per Appointment. On a closed referral the change is only noted.
 */
export async function applyEhrAppointment(
  ctx: AppContext,
  options: { sourceId: string; resource: Appointment; version: string; receivedAt: string },
): Promise<ApplyResult> {
  const appt = options.resource;
  const refs = serviceRequestRefs(appt.basedOn);
  if (refs.length === 0) return { outcome: 'skipped', note: 'Appointment is not based on a ServiceRequest' };
  const apptRef = `Appointment/${appt.id}`;
  const link = { sourceId: options.sourceId, reference: apptRef };
  const action = actionFor(appt, link);
  if (!action) return { outcome: 'skipped', note: 'Appointment status has no effect on referrals' };

  let lastId: string | undefined;
  for (const reference of refs) {
    const referralId = await referralForServiceRequest(ctx, { sourceId: options.sourceId, reference, receivedAt: options.receivedAt });
    if (!referralId) continue;
    lastId = referralId;
    await changeReferralWithRetry(ctx, referralId, (current) => decide(ctx, current, action, apptRef, options.version));
  }
  return lastId ? { outcome: 'done', referralId: lastId } : { outcome: 'skipped', note: 'Based on a ServiceRequest that is not a referral' };
}

function decide(ctx: AppContext, current: Referral, action: EhrAction, versionKey: string, version: string) {
  if (!isNewerVersion(version, current.ehrVersions[versionKey])) return undefined;
  // An older appointment's news must not override the current appointment's.
  if (current.appointment?.link && current.appointment.link.reference !== versionKey && action.action !== 'ehr-appointment-booked') {
    return recordEhrNote(ctx, current, versionKey, version, 'An earlier appointment changed in the EHR; the current appointment is unchanged');
  }
  const now = ctx.clock.now();
  try {
    const plan = planTransition(current, action, now);
    const next = { ...applyPlan(current, plan, now), ehrVersions: { ...current.ehrVersions, [versionKey]: version } };
    return {
      after: next,
      entries: [
        timelineEntry(current, EHR_ACTOR, now, {
          kind: 'transition',
          action: action.action,
          from: { status: current.status, businessStatus: current.businessStatus },
          to: { status: next.status, businessStatus: next.businessStatus },
          ...(plan.note ? { note: plan.note } : {}),
        }),
      ],
    };
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    return recordEhrNote(ctx, current, versionKey, version, `Appointment update from the EHR not applied: ${error.message}`);
  }
}
