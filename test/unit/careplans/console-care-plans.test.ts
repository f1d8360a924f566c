import { ZodError } from 'zod';
import { ConflictError } from '../../../shared/errors';
import { carePlanDoneMessage, revisionSummary } from '../../../web/app/lib/care-plan-labels';
import { CAREPLAN_STALE_MESSAGE, carePlanActions, carePlanFormError, doneQuery, parseCarePlanForm, readDone } from '../../../web/app/lib/care-plans.server';

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ZodError) return error.issues.map((i) => i.path.join('.'));
    throw error;
  }
  throw new Error('expected a ZodError');
}

const GOAL = '01JDG0A10000000000000000A1';

describe('the console care-plan page (web/app/lib/care-plans.server)', () => {
  it('offers only the moves the plan state machine allows, and no forms to read-only roles or on a final plan', () => {
    expect(carePlanActions({ status: 'draft' }, true)).toEqual({ moves: ['activate', 'revoke'], canRevise: true });
    expect(carePlanActions({ status: 'active' }, true)).toEqual({ moves: ['hold', 'complete', 'revoke'], canRevise: true });
    expect(carePlanActions({ status: 'on-hold' }, true)).toEqual({ moves: ['resume', 'complete', 'revoke'], canRevise: true });
    expect(carePlanActions({ status: 'completed' }, true)).toEqual({ moves: [], canRevise: false });
    expect(carePlanActions({ status: 'revoked' }, true)).toEqual({ moves: [], canRevise: false });
    expect(carePlanActions({ status: 'active' }, false)).toEqual({ moves: [], canRevise: false });
  });

  it('parses each form, and names the field that is missing or wrong', () => {
    expect(parseCarePlanForm(form({ intent: 'revoke', version: '3', reason: 'Moved away' }))).toEqual({ intent: 'revoke', version: 3, reason: 'Moved away' });
    expect(parseCarePlanForm(form({ intent: 'goal', version: '2', goalId: GOAL, achievementStatus: 'achieved', dueDate: '' }))).toEqual({
      intent: 'goal',
      version: 2,
      goalId: GOAL,
      achievementStatus: 'achieved',
    });
    expect(parseCarePlanForm(form({ intent: 'add-activity', version: '1', kind: 'call-patient', title: 'Call', offsetDays: '3', everyDays: '7', count: '4' }))).toMatchObject({
      offsetDays: 3,
      everyDays: 7,
      count: 4,
    });
    expect(fieldsOf(() => parseCarePlanForm(form({ intent: 'hold', version: '1', reason: '   ' })))).toEqual(['reason']);
    expect(fieldsOf(() => parseCarePlanForm(form({ intent: 'goal', version: '1', goalId: GOAL, achievementStatus: 'done', dueDate: '2026-02-30' })))).toEqual([
      'achievementStatus',
      'dueDate',
    ]);
    expect(fieldsOf(() => parseCarePlanForm(form({ intent: 'add-activity', version: '1', kind: 'call-patient', title: 'Call', offsetDays: '-1' })))).toEqual(['offsetDays']);
    expect(fieldsOf(() => parseCarePlanForm(form({ intent: 'remove-activity', version: '1', activityId: 'x' })))).toEqual(['activityId']);
    expect(fieldsOf(() => parseCarePlanForm(form({ intent: 'delete', version: '1' })))).toEqual(['intent']);
  });

  it('says a stale version changed the care plan, with a 409; other conflicts keep their message', async () => {
    const stale = carePlanFormError('complete', new ConflictError('The care plan was changed since you loaded it; reload and try again', { currentVersion: 4, yourVersion: 3 }));
    expect(stale.status).toBe(409);
    await expect(stale.json()).resolves.toMatchObject({ ok: false, intent: 'complete', message: CAREPLAN_STALE_MESSAGE });
    const illegal = carePlanFormError('resume', new ConflictError('Cannot move a care plan from completed to active', { status: 'completed', to: 'active' }));
    await expect(illegal.json()).resolves.toMatchObject({ intent: 'resume', message: 'Cannot move a care plan from completed to active' });
    // An intent the page does not have is reported against the page, not echoed.
    await expect(carePlanFormError('<script>', new ConflictError('x')).json()).resolves.toMatchObject({ intent: 'form' });
  });

  it('reports what a change did to the tasks, from counts in the query string only', () => {
    const none = { remindersScheduled: 0, remindersCancelled: 0, unreachable: false };
    const query = new URLSearchParams(doneQuery('revoke', { created: 0, cancelled: 3, ...none }));
    expect(carePlanDoneMessage(readDone(query).done, readDone(query))).toBe('The plan was revoked. 3 pending tasks cancelled.');
    const reminded = new URLSearchParams(doneQuery('add-activity', { created: 2, cancelled: 0, remindersScheduled: 4, remindersCancelled: 1, unreachable: false }));
    expect(reminded.toString()).toBe('done=add-activity&created=2&cancelled=0&reminded=4&unreminded=1');
    expect(carePlanDoneMessage(readDone(reminded).done, readDone(reminded))).toBe(
      'The activity was added. 2 tasks created. 4 patient reminders scheduled; 1 scheduled patient reminder cancelled.',
    );
    const unreachable = new URLSearchParams(doneQuery('add-activity', { created: 1, cancelled: 0, ...none, unreachable: true }));
    expect(carePlanDoneMessage(readDone(unreachable).done, readDone(unreachable))).toBe(
      'The activity was added. 1 task created. The patient has no mobile phone or personal email on file, so no reminders can be sent.',
    );
    expect(carePlanDoneMessage('create', { created: 1, cancelled: 0 })).toBe('The care plan was created. 1 task created.');
    expect(carePlanDoneMessage('goal', { created: 0, cancelled: 0 })).toBe('The goal was updated. No tasks were created or cancelled.');
    expect(carePlanDoneMessage('something-else', { created: 1, cancelled: 0 })).toBeUndefined();
    expect(readDone(new URLSearchParams('done=goal&created=lots&cancelled=-2&reminded=x&unreachable=yes'))).toEqual({ done: 'goal', created: 0, cancelled: 0, ...none });
    expect(revisionSummary(['goals', 'activities', 'careTeam'])).toBe('Changed the goals, activities and care team');
  });
});
