import { RECORDS_INDEX } from '../../../shared/db/tables';
import { TEAM_QUEUE_SHARDS, taskQueueSk } from '../../../shared/tasks/repository';
import { viewRanges } from '../../../shared/tasks/views';

const cutoff = '2026-11-23T23:00:00.000Z';
const sk = (dueAt: string, priority: 'stat' | 'routine' = 'routine') => taskQueueSk({ priority, dueAt, id: '01JDTASK000000000000000000' });
const inRange = (value: string, r: { lo?: string; hi?: string }) => (r.lo === undefined || value >= r.lo) && (r.hi === undefined || value <= r.hi);

describe('work-list key ranges', () => {
  it('My work reads the owner’s partition of each open status', () => {
    const ranges = viewRanges({ view: 'mine', userId: 'u-nora' });
    expect(ranges.map((r) => [r.index, r.pkValue])).toEqual([
      [RECORDS_INDEX.assignee, 'A#u-nora#T#ready'],
      [RECORDS_INDEX.assignee, 'A#u-nora#T#in-progress'],
      [RECORDS_INDEX.assignee, 'A#u-nora#T#on-hold'],
    ]);
  });

  it('a team queue reads every shard of every open status, unbounded', () => {
    const ranges = viewRanges({ view: 'team', team: 'nurses' });
    expect(ranges).toHaveLength(3 * TEAM_QUEUE_SHARDS);
    expect(ranges.every((r) => r.index === RECORDS_INDEX.queue && r.lo === undefined && r.hi === undefined)).toBe(true);
    expect(new Set(ranges.map((r) => r.pkValue))).toContain(`T#nurses#on-hold#${TEAM_QUEUE_SHARDS - 1}`);
  });

  it('due views read running statuses only, one range per priority, due strictly before the cutoff', () => {
    const ranges = viewRanges({ view: 'overdue', team: 'coordinators', before: cutoff });
    expect(ranges).toHaveLength(2 * TEAM_QUEUE_SHARDS * 4);
    expect(ranges.some((r) => r.pkValue.includes('on-hold'))).toBe(false);
    const routine = ranges.filter((r) => r.lo === '3#');
    const covered = (value: string) => routine.some((r) => inRange(value, r));
    expect(covered(sk('2026-11-23T22:59:59.999Z'))).toBe(true);
    expect(covered(sk(cutoff))).toBe(false);
    expect(covered(sk('2026-11-23T23:00:00.001Z'))).toBe(false);
    // Another priority's keys never fall into a routine range.
    expect(covered(sk('2026-11-01T00:00:00.000Z', 'stat'))).toBe(false);
  });
});
