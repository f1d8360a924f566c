import type { Appointment, Encounter } from '@medplum/fhirtypes';
import type { AppContext } from '../context';
import { UnavailableError } from '../errors';
import { isNewerVersion } from '../fhir/versions';
import { findPatientIdByEhrLink } from '../patients/repository';
import { addBusinessDays } from '../sla/clock';
import { DEFAULT_CALENDAR } from '../sla/calendar';
import { cancelTasksFromSource } from '../tasks/cancel-tasks-from-source';
import { createTask } from '../tasks/create-task';
import { type FollowUpPlan, planForAppointment, planForEncounter } from './rules';
import { appliedFollowUpVersion, recordFollowUpVersion } from './version-gate';

export type FollowUpResult = { outcome: 'done'; patientId?: string; note: string } | { outcome: 'skipped'; note: string };

export interface ApplyFollowUpInput {
  sourceId: string;
  resource: Encounter | Appointment;
  version: string;
  deleted: boolean;
}

function planFor(input: ApplyFollowUpInput): FollowUpPlan {
  const options = { version: input.version, deleted: input.deleted };
  return input.resource.resourceType === 'Encounter' ? planForEncounter(input.resource, options) : planForAppointment(input.resource, options);
}

async function createFollowUpTasks(ctx: AppContext, sourceId: string, version: string, plan: Extract<FollowUpPlan, { kind: 'create' }>): Promise<FollowUpResult> {
  const patientId = await findPatientIdByEhrLink(ctx, { sourceId, reference: plan.patientReference });
  if (!patientId) throw new UnavailableError('The patient for this event is not known yet; it will be retried');
  const startsAt = new Date(plan.startsAt);
  if (Number.isNaN(startsAt.getTime())) return { outcome: 'skipped', note: 'The event has no usable start time for follow-up work' };
  let created = 0;
  for (const spec of plan.tasks) {
    const dueAt = spec.dueInBusinessDays === undefined ? undefined : addBusinessDays(startsAt, spec.dueInBusinessDays, DEFAULT_CALENDAR).toISOString();
    const result = await createTask(ctx, {
      rule: { ruleId: spec.ruleId, source: { sourceId, reference: plan.reference, version } },
      input: { patientId, type: spec.type, team: spec.team, priority: spec.priority, ...(dueAt ? { dueAt } : {}) },
    });
    if (result.created) created++;
  }
  return { outcome: 'done', patientId, note: `${created} follow-up task(s) created, ${plan.tasks.length - created} already existed` };
}

/**
 * The follow-up work rules on one EHR Encounter or Appointment change (see ./rules): creates the
 * discharge or no-show tasks for the patient, or cancels the work a resource created when the
 * EHR takes it back. Version-gated per resource: an event no newer than the last one applied is
 * skipped. Idempotent (tasks are guarded per resource and rule). An unknown patient is a
 * retryable failure, so the event shows in the failed view and can be replayed.
 */
export async function applyEhrFollowUp(ctx: AppContext, input: ApplyFollowUpInput): Promise<FollowUpResult> {
  if (!input.resource.id) return { outcome: 'skipped', note: `${input.resource.resourceType} without id` };
  const plan = planFor(input);
  if (plan.kind === 'none') return { outcome: 'skipped', note: plan.note };
  const resource = { sourceId: input.sourceId, reference: plan.reference };
  if (!isNewerVersion(input.version, await appliedFollowUpVersion(ctx, resource))) {
    return { outcome: 'skipped', note: 'An equal or newer version of this resource was already applied' };
  }
  let result: FollowUpResult;
  if (plan.kind === 'create') {
    result = await createFollowUpTasks(ctx, input.sourceId, input.version, plan);
  } else {
    const undone = await cancelTasksFromSource(ctx, { ...resource, reason: plan.reason });
    result = { outcome: 'done', note: `${undone.cancelled.length} follow-up task(s) cancelled, ${undone.alreadyClosed.length} already closed` };
  }
  await recordFollowUpVersion(ctx, { ...resource, version: input.version });
  return result;
}
