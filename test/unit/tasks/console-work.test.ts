import { ZodError } from 'zod';
import { endOfLocalDay, parseTaskForm, parseWorkSearch, taskActions, taskFormError, TASK_STALE_MESSAGE } from '../../../web/app/lib/tasks.server';
import { ConflictError } from '../../../shared/errors';

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

describe('the console work lists and task page (web/app/lib/tasks.server)', () => {
  it('cuts "Due today" at the next local midnight of the viewer’s zone', () => {
    const now = new Date('2026-03-10T23:30:00Z');
    expect(endOfLocalDay(now, 'UTC')).toBe('2026-03-11T00:00:00+00:00');
    // 19:30 in New York (EDT): the day ends at 04:00 UTC.
    expect(new Date(endOfLocalDay(now, 'America/New_York')).toISOString()).toBe('2026-03-11T04:00:00.000Z');
    // Already the 11th in Berlin.
    expect(new Date(endOfLocalDay(now, 'Europe/Berlin')).toISOString()).toBe('2026-03-11T23:00:00.000Z');
  });

  it('keeps only view, team, owner filter and cursor in the query string, and refuses anything else', () => {
    expect(parseWorkSearch(new URLSearchParams(''))).toEqual({ view: 'mine', ownership: 'any' });
    expect(parseWorkSearch(new URLSearchParams('view=team&team=nurses&ownership=unowned'))).toEqual({ view: 'team', team: 'nurses', ownership: 'unowned' });
    expect(() => parseWorkSearch(new URLSearchParams('view=everything'))).toThrow(ZodError);
    expect(() => parseWorkSearch(new URLSearchParams('team=surgeons'))).toThrow(ZodError);
  });

  it('offers only the forms the task state machine allows', () => {
    expect(taskActions({ status: 'ready' })).toEqual(['claim', 'start', 'hold', 'complete', 'attempt', 'cancel', 'fail']);
    expect(taskActions({ status: 'in-progress', owner: { id: 'u-nora', name: 'Nora' } })).toEqual(['hold', 'complete', 'attempt', 'cancel', 'fail']);
    expect(taskActions({ status: 'on-hold', owner: { id: 'u-nora', name: 'Nora' } })).toEqual(['resume', 'attempt', 'cancel']);
    expect(taskActions({ status: 'completed' })).toEqual([]);
    expect(taskActions({ status: 'cancelled' })).toEqual([]);
  });

  it('parses task forms, and names the missing reason or note per field', () => {
    expect(parseTaskForm(form({ intent: 'hold', version: '3', reason: 'Awaiting discharge summary' }))).toEqual({ intent: 'hold', version: 3, reason: 'Awaiting discharge summary' });
    expect(parseTaskForm(form({ intent: 'attempt', version: '2', channel: 'phone', outcome: 'reached' }))).toEqual({ intent: 'attempt', version: 2, channel: 'phone', outcome: 'reached' });
    const noReason = (() => {
      try {
        parseTaskForm(form({ intent: 'cancel', version: '1', reason: '  ' }));
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(noReason).toBeInstanceOf(ZodError);
    expect((noReason as ZodError).issues[0]?.path).toEqual(['reason']);
    expect(() => parseTaskForm(form({ intent: 'note' }))).toThrow(ZodError);
    expect(() => parseTaskForm(form({ intent: 'attempt', version: '1', channel: 'pigeon', outcome: 'reached' }))).toThrow(ZodError);
    expect(() => parseTaskForm(form({ intent: 'delete', version: '1' }))).toThrow(ZodError);
  });

  it('says a stale version changed the task (not "the referral"), with a 409', async () => {
    const res = taskFormError('start', new ConflictError('The task was changed since you loaded it; reload and try again', { currentVersion: 4, yourVersion: 3 }));
    expect(res.status).toBe(409);
    await expect(res.json()).resolves.toMatchObject({ ok: false, intent: 'start', message: TASK_STALE_MESSAGE });
    const illegal = taskFormError('start', new ConflictError('Cannot move a task that is completed to in-progress: it is already closed', { status: 'completed' }));
    await expect(illegal.json()).resolves.toMatchObject({ message: 'Cannot move a task that is completed to in-progress: it is already closed' });
  });
});
