import { taskDueAt } from '../../../shared/tasks/due';
import { ZCreateTaskInput } from '../../../shared/tasks/create-task';
import { isTaskOverdue, TASK_TYPE_DEFAULTS, TASK_TYPES, teamOfRole, ZTask, ZTaskSource } from '../../../shared/tasks/schema';

const base = {
  id: '01JDTASK000000000000000000',
  patientId: 'p1',
  type: 'call-patient',
  title: 'Call patient',
  status: 'ready',
  priority: 'routine',
  dueAt: '2026-11-25T10:00:00.000Z',
  team: 'coordinators',
  links: {},
  attempts: [],
  version: 1,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
  createdBy: { kind: 'user', id: 'u-casey', name: 'Casey Coordinator' },
};

describe('ZTask', () => {
  it('accepts a task and strips storage attributes', () => {
    const parsed = ZTask.parse({ ...base, pk: 'TASK#x', queuePk: 'T#coordinators#ready#0' });
    expect(parsed).not.toHaveProperty('pk');
    expect(parsed).not.toHaveProperty('queuePk');
  });

  it('requires a reason for on-hold, cancelled and failed tasks only', () => {
    for (const status of ['on-hold', 'cancelled', 'failed']) {
      expect(ZTask.safeParse({ ...base, status }).success).toBe(false);
      expect(ZTask.safeParse({ ...base, status, statusReason: 'Patient in hospital' }).success).toBe(true);
    }
    for (const status of ['ready', 'in-progress', 'completed']) expect(ZTask.safeParse({ ...base, status }).success).toBe(true);
  });

  it('knows who created it: a person or a rule', () => {
    expect(ZTask.safeParse({ ...base, createdBy: { kind: 'rule', ruleId: 'discharge.post-discharge-call' } }).success).toBe(true);
    expect(ZTask.safeParse({ ...base, createdBy: { kind: 'rule', ruleId: 'Not A Slug' } }).success).toBe(false);
    expect(ZTask.safeParse({ ...base, createdBy: { kind: 'someone' } }).success).toBe(false);
  });

  it('records attempts with a closed set of channels and outcomes', () => {
    const attempt = { at: base.createdAt, by: { id: 'u-casey', name: 'Casey' }, channel: 'phone', outcome: 'voicemail' };
    expect(ZTask.safeParse({ ...base, attempts: [attempt] }).success).toBe(true);
    expect(ZTask.safeParse({ ...base, attempts: [{ ...attempt, outcome: 'maybe' }] }).success).toBe(false);
    expect(ZTask.safeParse({ ...base, attempts: [{ ...attempt, channel: 'pigeon' }] }).success).toBe(false);
  });

  it('caps the title at 200 characters', () => {
    expect(ZTask.safeParse({ ...base, title: 'x'.repeat(200) }).success).toBe(true);
    expect(ZTask.safeParse({ ...base, title: 'x'.repeat(201) }).success).toBe(false);
  });
});

describe('ZTaskSource', () => {
  it('takes a source slug and a FHIR relative reference, nothing key-breaking', () => {
    expect(ZTaskSource.safeParse({ sourceId: 'ehr-test', reference: 'Encounter/enc-1', version: '3' }).success).toBe(true);
    expect(ZTaskSource.safeParse({ sourceId: 'ehr#test', reference: 'Encounter/enc-1' }).success).toBe(false);
    expect(ZTaskSource.safeParse({ sourceId: 'ehr-test', reference: 'Encounter/a#b' }).success).toBe(false);
    expect(ZTaskSource.safeParse({ sourceId: 'ehr-test', reference: 'http://ehr/Encounter/1' }).success).toBe(false);
  });
});

describe('ZCreateTaskInput', () => {
  it('needs a title for custom tasks only', () => {
    expect(ZCreateTaskInput.safeParse({ patientId: 'p1', type: 'custom' }).success).toBe(false);
    expect(ZCreateTaskInput.safeParse({ patientId: 'p1', type: 'custom', title: 'Arrange transport' }).success).toBe(true);
    expect(ZCreateTaskInput.parse({ patientId: 'p1', type: 'obtain-records' })).toMatchObject({ priority: 'routine', links: {} });
  });

  it('refuses a not-before after the due time', () => {
    expect(ZCreateTaskInput.safeParse({ patientId: 'p1', type: 'call-patient', dueAt: '2026-11-25T10:00:00Z', notBefore: '2026-11-26T10:00:00Z' }).success).toBe(false);
    expect(ZCreateTaskInput.safeParse({ patientId: 'p1', type: 'call-patient', dueAt: '2026-11-25T10:00:00Z', notBefore: '2026-11-24T10:00:00+01:00' }).success).toBe(true);
  });

  it('does not let people set the EHR source (only rules do)', () => {
    const parsed = ZCreateTaskInput.parse({ patientId: 'p1', type: 'call-patient', links: { source: { sourceId: 'ehr-test', reference: 'Encounter/1' } } });
    expect(parsed.links).not.toHaveProperty('source');
  });
});

describe('task defaults', () => {
  it('gives every type a title and a team, and post-discharge calls to nurses', () => {
    for (const type of TASK_TYPES) expect(TASK_TYPE_DEFAULTS[type].title.length).toBeGreaterThan(0);
    expect(TASK_TYPE_DEFAULTS['post-discharge-call'].team).toBe('nurses');
    expect(TASK_TYPE_DEFAULTS['no-show-follow-up'].team).toBe('coordinators');
  });

  it('maps roles to teams; admins and auditors work no queue', () => {
    expect(teamOfRole('coordinator')).toBe('coordinators');
    expect(teamOfRole('nurse')).toBe('nurses');
    expect(teamOfRole('admin')).toBeUndefined();
    expect(teamOfRole('auditor')).toBeUndefined();
  });

  it('is due by priority in business time on the default calendar (New York, Mon–Fri 08–17)', () => {
    // Monday 05:00 in New York: the clock starts at 08:00 (13:00Z).
    const from = new Date('2026-11-23T10:00:00Z');
    expect(taskDueAt('stat', from)).toBe('2026-11-23T17:00:00.000Z'); // 4 business hours → 12:00 EST
    expect(taskDueAt('urgent', from)).toBe('2026-11-25T22:00:00.000Z'); // 27 h = Mon–Wed → Wed 17:00 EST (Thu is Thanksgiving)
    expect(taskDueAt('routine', from)).toBe('2026-12-07T22:00:00.000Z'); // 90 h = 10 business days, skipping Thanksgiving
  });

  it('counts running work past due as overdue, not held or closed work', () => {
    const now = new Date('2026-11-26T00:00:00Z');
    expect(isTaskOverdue({ status: 'ready', dueAt: '2026-11-25T10:00:00.000Z' }, now)).toBe(true);
    expect(isTaskOverdue({ status: 'in-progress', dueAt: '2026-11-25T10:00:00.000Z' }, now)).toBe(true);
    expect(isTaskOverdue({ status: 'on-hold', dueAt: '2026-11-25T10:00:00.000Z' }, now)).toBe(false);
    expect(isTaskOverdue({ status: 'completed', dueAt: '2026-11-25T10:00:00.000Z' }, now)).toBe(false);
    expect(isTaskOverdue({ status: 'ready', dueAt: '2026-11-27T10:00:00.000Z' }, now)).toBe(false);
  });
});
