import type { AppContext } from '../context';
import { buildTask, ZCreateTaskInput } from '../tasks/create-task';
import { taskInsertItems } from '../tasks/repository';
import { ruleActor, type Task, type TaskSource } from '../tasks/schema';
import { timelineEntry } from './change';
import type { TransactItem } from './repository';
import type { Referral, TimelineEntry } from './schema';

/** The rule "referral rejected by the receiver → task to find another provider". */
export const REFERRAL_REJECTED_RULE_ID = 'referral.rejected.find-another-provider';

/**
 * Work a rule creates from a referral has the referral itself as its source (as care-plan work has
 * its plan, `sidecar-careplan`): the task guard (source, rule) then allows one such task per referral.
 */
export const REFERRAL_TASK_SOURCE_ID = 'sidecar-referral';

/** The task source of work created from a referral. */
export function referralTaskSource(referralId: string): Pick<TaskSource, 'sourceId' | 'reference'> {
  return { sourceId: REFERRAL_TASK_SOURCE_ID, reference: `Referral/${referralId}` };
}

export interface FindAnotherProviderWork {
  task: Task;
  /** The task's insert (task, timeline, guard, counters, transition log), for the rejection's own transaction. */
  transactItems: TransactItem[];
  /** The referral's timeline entry saying the task was created. */
  referralEntry: TimelineEntry;
}

/**
 * When a referral is rejected by its receiver, the coordinators must find another provider: a
 * `find-another-provider` task for the referral's patient in the coordinators' queue, with the
 * referral's priority and a link to it, created by the rule. Returned as transaction items so the
 * rejection and the task are written together — never one without the other — and guarded by
 * (referral, rule), so one referral can never get two such tasks. Pure apart from reading table
 * names from `ctx`.
 */
export function findAnotherProviderWork(ctx: AppContext, rejected: Referral, now: Date): FindAnotherProviderWork {
  const rule = { ruleId: REFERRAL_REJECTED_RULE_ID, source: referralTaskSource(rejected.id) };
  const { task, entry } = buildTask({
    input: ZCreateTaskInput.parse({
      patientId: rejected.patientId,
      type: 'find-another-provider',
      priority: rejected.priority,
      team: 'coordinators',
      links: { referralId: rejected.id },
      note: 'The receiver rejected the referral',
    }),
    creator: { rule },
    now,
  });
  return {
    task,
    transactItems: taskInsertItems(ctx, task, [entry], rule.ruleId),
    referralEntry: timelineEntry(rejected, ruleActor(rule.ruleId), now, { kind: 'note', note: `Task created: ${task.title}` }),
  };
}
