import { ZodError } from 'zod';
import { ConflictError, ForbiddenError } from '../../../shared/errors';
import { assertMayAcknowledge, type Escalation, escalationAuditResource, escalationTeam } from '../../../shared/sla/escalations';
import type { EscalationRow } from '../../../shared/sla/list-escalation-rows';
import type { User } from '../../../shared/users/directory';
import {
  defaultEscalationTeam,
  ESCALATION_STALE_MESSAGE,
  escalationFormError,
  overdueText,
  parseAcknowledgeForm,
  parseEscalationSearch,
  toEscalationRow,
} from '../../../web/app/lib/escalations.server';

const nora: User = { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' };
const casey: User = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' };
const aubrey: User = { id: 'u-aubrey', name: 'Aubrey Auditor', role: 'auditor' };
const NOW = new Date('2026-11-03T12:00:00.000Z');

const escalation = (overrides: Partial<Escalation> = {}): Escalation => ({
  id: 'A'.repeat(32),
  kind: 'task',
  itemId: '01JDTASK000000000000000000',
  patientId: 'PAT-1',
  team: 'nurses',
  priority: 'urgent',
  dueAt: '2026-11-03T09:30:00.000Z',
  breachedAt: '2026-11-03T09:31:00.000Z',
  status: 'open',
  version: 1,
  ...overrides,
});
const taskRow = (e: Escalation = escalation()): EscalationRow => ({
  escalation: e,
  item: { kind: 'task', title: 'Post-discharge call', type: 'post-discharge-call', status: 'ready', team: 'nurses' },
  patientName: 'Testy McTestface',
});

function form(fields: Record<string, string>): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

describe('who leads and acknowledges an escalation (shared/sla/escalations)', () => {
  it('gives a task’s escalation to its team and every referral’s to the coordinators', () => {
    expect(escalationTeam({ kind: 'task', team: 'nurses' })).toBe('nurses');
    expect(escalationTeam({ kind: 'task', team: 'coordinators' })).toBe('coordinators');
    expect(escalationTeam({ kind: 'referral' })).toBe('coordinators');
  });

  it('lets only members of that team acknowledge', () => {
    expect(() => assertMayAcknowledge(nora, { kind: 'task', team: 'nurses' })).not.toThrow();
    expect(() => assertMayAcknowledge(casey, { kind: 'referral' })).not.toThrow();
    expect(() => assertMayAcknowledge(nora, { kind: 'referral' })).toThrow(ForbiddenError);
    expect(() => assertMayAcknowledge(nora, { kind: 'task', team: 'coordinators' })).toThrow('Only the coordinators team can acknowledge this escalation');
    expect(() => assertMayAcknowledge(casey, { kind: 'task', team: 'nurses' })).toThrow(ForbiddenError);
    expect(() => assertMayAcknowledge(aubrey, { kind: 'task', team: 'nurses' })).toThrow(ForbiddenError);
  });

  it('audits an escalation as its item, for its patient', () => {
    expect(escalationAuditResource(escalation())).toEqual({ resourceType: 'Task', resourceId: '01JDTASK000000000000000000', patientId: 'PAT-1' });
    expect(escalationAuditResource(escalation({ kind: 'referral', itemId: 'R1' }))).toEqual({ resourceType: 'Referral', resourceId: 'R1', patientId: 'PAT-1' });
  });
});

describe('the escalations page (web/app/lib/escalations.server)', () => {
  it('says how late work is in plain words', () => {
    expect(overdueText(20_000)).toBe('under a minute');
    expect(overdueText(45 * 60_000)).toBe('45 min');
    expect(overdueText(3 * 3_600_000)).toBe('3 h');
    expect(overdueText(3 * 3_600_000 + 20 * 60_000)).toBe('3 h 20 min');
    expect(overdueText(2 * 86_400_000 + 4 * 3_600_000 + 59_000)).toBe('2 d 4 h');
    expect(overdueText(-5_000)).toBe('under a minute');
  });

  it('keeps only a status, a team and a cursor in the query string, and refuses anything else', () => {
    expect(parseEscalationSearch(new URLSearchParams(''))).toEqual({ status: 'open' });
    expect(parseEscalationSearch(new URLSearchParams('status=acknowledged&team=all'))).toEqual({ status: 'acknowledged', team: 'all' });
    expect(() => parseEscalationSearch(new URLSearchParams('status=closed'))).toThrow(ZodError);
    expect(() => parseEscalationSearch(new URLSearchParams('team=surgeons'))).toThrow(ZodError);
    expect(defaultEscalationTeam(nora)).toBe('nurses');
    expect(defaultEscalationTeam(aubrey)).toBe('all');
  });

  it('offers the Acknowledge button only on open escalations of the viewer’s own team', () => {
    expect(toEscalationRow(taskRow(), nora, NOW).canAcknowledge).toBe(true);
    expect(toEscalationRow(taskRow(), casey, NOW).canAcknowledge).toBe(false);
    expect(toEscalationRow(taskRow(), aubrey, NOW).canAcknowledge).toBe(false);
    const acknowledged = escalation({ status: 'acknowledged', version: 2, acknowledgedBy: { id: 'u-nora', name: 'Nora Nurse' }, acknowledgedAt: '2026-11-03T10:30:00.000Z' });
    expect(toEscalationRow(taskRow(acknowledged), nora, NOW)).toMatchObject({ canAcknowledge: false, acknowledgedBy: 'Nora Nurse', overdue: '1 h' });
  });

  it('shows the work and its lateness, linking only pages the viewer may open', () => {
    expect(toEscalationRow(taskRow(), nora, NOW)).toMatchObject({
      itemHref: '/tasks/01JDTASK000000000000000000',
      itemLabel: 'Post-discharge call',
      itemState: 'Ready',
      teamLabel: 'Nurses',
      overdue: '2 h 30 min',
      patientName: 'Testy McTestface',
    });
    const referral: EscalationRow = { escalation: escalation({ kind: 'referral', itemId: 'R1', queue: 'cardiology' }) };
    expect(toEscalationRow(referral, nora, NOW)).toMatchObject({ itemHref: undefined, itemLabel: 'Referral', itemState: undefined, teamLabel: 'Care coordinators · Cardiology queue' });
    expect(toEscalationRow(referral, casey, NOW).itemHref).toBe('/referrals/R1');
  });

  it('reads the acknowledge form strictly, and explains a stale version without echoing input', async () => {
    expect(parseAcknowledgeForm(form({ escalationId: 'A'.repeat(32), version: '3', status: 'open', team: 'nurses' }))).toEqual({
      escalationId: 'A'.repeat(32),
      version: 3,
      status: 'open',
      team: 'nurses',
    });
    expect(() => parseAcknowledgeForm(form({ escalationId: 'x', version: '1' }))).toThrow(ZodError);

    const stale = escalationFormError(new ConflictError('changed', { currentVersion: 2, yourVersion: 1 }));
    expect(stale.status).toBe(409);
    expect(await stale.json()).toEqual({ ok: false, message: ESCALATION_STALE_MESSAGE });
    const invalid = escalationFormError(new ZodError([{ code: 'custom', path: ['escalationId'], message: 'CANARY' }]));
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(await invalid.json())).not.toContain('CANARY');
    expect(() => escalationFormError(new Error('boom'))).toThrow('boom');
  });
});
