import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { BadRequestError, ConflictError } from '../errors';
import { newId } from '../ids';
import { reviseSchedule } from './schedule';
import {
  type Activity,
  CAREPLAN_PARTS,
  type CarePlan,
  type CarePlanPart,
  type CareTeamMember,
  type Goal,
  type ZActivityInput,
  type ZGoalInput,
} from './schema';
import { FINAL_CAREPLAN_STATUSES } from './state-machine';

type ParsedGoalInput = z.output<typeof ZGoalInput>;
type ParsedActivityInput = z.output<typeof ZActivityInput>;

/** Rejects ids that are not among `existing` (or repeat): clients may only name items of this plan. */
function checkIds(existing: readonly { id: string }[], ids: (string | undefined)[], what: 'goal' | 'activity'): void {
  const known = new Set(existing.map((e) => e.id));
  const given = ids.filter((id): id is string => id !== undefined);
  if (given.some((id) => !known.has(id))) throw new BadRequestError(`${what === 'goal' ? 'A goal' : 'An activity'} id does not belong to this care plan`);
  if (new Set(given).size !== given.length) throw new BadRequestError(`${what === 'goal' ? 'A goal' : 'An activity'} id appears more than once`);
}

/**
 * The plan's goals from a person's full list: listed ids keep their identity, items without an
 * id are new (given fresh ids), goals left out are removed.
 */
export function goalsFromInput(existing: readonly Goal[], input: readonly ParsedGoalInput[]): Goal[] {
  checkIds(existing, input.map((g) => g.id), 'goal');
  return input.map((g) => ({
    id: g.id ?? newId(),
    description: g.description,
    ...(g.target ? { target: g.target } : {}),
    ...(g.dueDate ? { dueDate: g.dueDate } : {}),
    achievementStatus: g.achievementStatus,
  }));
}

/**
 * The plan's activities from a person's full list, as goalsFromInput. An existing activity keeps
 * its schedule history (`settled`) and, unless given, its status; a new one starts `scheduled`.
 */
export function activitiesFromInput(existing: readonly Activity[], input: readonly ParsedActivityInput[]): Activity[] {
  checkIds(existing, input.map((a) => a.id), 'activity');
  const byId = new Map(existing.map((a) => [a.id, a]));
  return input.map((a) => {
    const before = a.id ? byId.get(a.id) : undefined;
    return {
      id: a.id ?? newId(),
      kind: a.kind,
      title: a.title,
      offsetDays: a.offsetDays,
      ...(a.recurrence ? { recurrence: a.recurrence } : {}),
      ...(a.patientReminderTime ? { patientReminderTime: a.patientReminderTime } : {}),
      status: a.status ?? before?.status ?? 'scheduled',
      settled: before?.settled ?? [],
    };
  });
}

/** What a person may change on a plan; each list replaces the plan's whole list. */
export interface CarePlanRevision {
  title?: string;
  /** `null` clears the description. */
  description?: string | null;
  goals?: ParsedGoalInput[];
  activities?: ParsedActivityInput[];
  /** Members with names already resolved from the staff directory. */
  careTeam?: CareTeamMember[];
}

/**
 * The plan after a person's revision, one version later, and which parts changed (none: the plan
 * is returned as it was). Pure. Completed and revoked plans are read-only (ConflictError). In an
 * active plan, activity edits go through reviseSchedule so generated work is replaced, never
 * duplicated.
 */
export function reviseCarePlan(plan: CarePlan, revision: CarePlanRevision, now: Date): { after: CarePlan; changes: CarePlanPart[] } {
  if (FINAL_CAREPLAN_STATUSES.includes(plan.status)) throw new ConflictError(`A ${plan.status} care plan cannot be changed`, { status: plan.status });
  const next: CarePlan = { ...plan };
  if (revision.title !== undefined) next.title = revision.title;
  if (revision.description === null) delete next.description;
  else if (revision.description !== undefined) next.description = revision.description;
  if (revision.goals) next.goals = goalsFromInput(plan.goals, revision.goals);
  if (revision.careTeam) next.careTeam = revision.careTeam;
  if (revision.activities) {
    const merged = activitiesFromInput(plan.activities, revision.activities);
    const before = new Map(plan.activities.map((a) => [a.id, a]));
    next.activities =
      plan.status === 'active'
        ? merged.map((a) => {
            const old = before.get(a.id);
            return old ? reviseSchedule(plan.period.start, old, a, now) : a;
          })
        : merged;
  }
  const changes = CAREPLAN_PARTS.filter((part) => !isDeepStrictEqual(plan[part], next[part]));
  if (changes.length === 0) return { after: plan, changes };
  return { after: { ...next, version: plan.version + 1, updatedAt: now.toISOString() }, changes };
}
