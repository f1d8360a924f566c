import { ZCreateReminderInput } from '../../../shared/reminders/create-reminder';
import { reminderDueIndexKeys } from '../../../shared/reminders/repository';
import {
  appointmentReminderRuleId,
  DEFAULT_APPOINTMENT_REMINDER_OFFSETS_HOURS,
  ZAppointmentReminderOffsets,
} from '../../../shared/reminders/schedule-appointment-reminders';
import { type Reminder, reminderLabel, ZReminder, ZReminderTimelineEntry } from '../../../shared/reminders/schema';
import { DUE_SHARDS } from '../../../shared/sla/due-index';

const base: Reminder = {
  id: '01JDREM0000000000000000000',
  patientId: 'p1',
  channel: 'sms',
  templateId: 'appointment-reminder',
  language: 'en',
  dueAt: '2026-11-25T10:00:00.000Z',
  sendAt: '2026-11-25T10:00:00.000Z',
  offsetHours: 24,
  links: { appointment: { sourceId: 'ehr-test', reference: 'Appointment/a1' } },
  status: 'scheduled',
  attempts: [],
  rule: { ruleId: 'appointment.reminder.24h.sms', source: { sourceId: 'ehr-test', reference: 'Appointment/a1' } },
  createdBy: { kind: 'rule', ruleId: 'appointment.reminder.24h.sms' },
  version: 1,
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.000Z',
};
const valid = (patch: Partial<Reminder> & Record<string, unknown>) => ZReminder.safeParse({ ...base, ...patch }).success;

describe('ZReminder', () => {
  it('accepts a scheduled rule reminder and strips storage attributes', () => {
    const parsed = ZReminder.parse({ ...base, pk: 'REM#x', duePk: 'RDUE#1', dueSk: 'x' });
    expect(parsed).toEqual(base);
  });

  it('requires a skip reason for skipped, a cancel reason for cancelled and a code for failed', () => {
    expect(valid({ status: 'skipped' })).toBe(false);
    expect(valid({ status: 'skipped', statusReason: 'appointment-cancelled' })).toBe(false);
    for (const reason of ['no-consent', 'opted-out', 'frequency-cap', 'no-contact-point', 'bad-contact-point']) {
      expect(valid({ status: 'skipped', statusReason: reason })).toBe(true);
    }
    expect(valid({ status: 'cancelled' })).toBe(false);
    expect(valid({ status: 'cancelled', statusReason: 'opted-out' })).toBe(false);
    expect(valid({ status: 'cancelled', statusReason: 'appointment-moved-too-late' })).toBe(true);
    expect(valid({ status: 'failed' })).toBe(false);
    expect(valid({ status: 'failed', statusReason: 'bad-contact' })).toBe(true);
  });

  it('keeps reasons and attempt codes to codes, never provider text', () => {
    expect(valid({ status: 'failed', statusReason: 'Invalid number +1 555 0100 for Maria' })).toBe(false);
    expect(valid({ attempts: [{ at: '2026-11-25T10:00:00.000Z', outcome: 'deferred', code: 'quiet-hours' }] })).toBe(true);
    expect(valid({ attempts: [{ at: '2026-11-25T10:00:00.000Z', outcome: 'failed', code: 'Throttled: rate exceeded' }] })).toBe(false);
    expect(valid({ attempts: [{ at: '2026-11-25T10:00:00.000Z', outcome: 'bounced' }] } as never)).toBe(false);
  });

  it('never sends before it is due, and has a claim time exactly while sending', () => {
    expect(valid({ sendAt: '2026-11-25T09:59:59.000Z' })).toBe(false);
    expect(valid({ sendAt: '2026-11-25T13:00:00.000Z' })).toBe(true);
    expect(valid({ status: 'sending' })).toBe(false);
    expect(valid({ status: 'sending', sendingAt: '2026-11-25T10:00:01.000Z' })).toBe(true);
    expect(valid({ sendingAt: '2026-11-25T10:00:01.000Z' })).toBe(false);
  });

  it('has the provider’s message id once sent or delivered', () => {
    expect(valid({ status: 'sent' })).toBe(false);
    expect(valid({ status: 'sent', providerMessageId: 'msg-1' })).toBe(true);
    expect(valid({ status: 'delivered', providerMessageId: 'msg-1' })).toBe(true);
  });

  it('ties an offset to an appointment and a rule creator to its rule origin', () => {
    expect(valid({ links: {} })).toBe(false);
    const { offsetHours: _o, rule: _r, ...byHand } = base;
    expect(ZReminder.safeParse({ ...byHand, links: {}, createdBy: { kind: 'user', id: 'u-casey', name: 'Casey' } }).success).toBe(true);
    expect(ZReminder.safeParse({ ...byHand, createdBy: { kind: 'rule', ruleId: 'appointment.reminder.24h.sms' } }).success).toBe(false);
    expect(valid({ createdBy: { kind: 'user', id: 'u-casey', name: 'Casey' } })).toBe(false);
    expect(valid({ createdBy: { kind: 'rule', ruleId: 'appointment.reminder.72h.sms' } })).toBe(false);
  });

  it('refuses unknown channels, languages, templates and non-ULID ids', () => {
    expect(valid({ channel: 'fax' } as never)).toBe(false);
    expect(valid({ language: 'fr' } as never)).toBe(false);
    expect(valid({ templateId: 'lab-results-ready' } as never)).toBe(false);
    expect(valid({ id: 'REM#1' })).toBe(false);
  });
});

describe('ZReminderTimelineEntry', () => {
  it('carries a reason code, not text', () => {
    const entry = { id: 'E1', reminderId: base.id, at: base.createdAt, actor: { id: 'system:reminders', name: 'Reminders' }, kind: 'transition', from: 'scheduled', to: 'skipped' };
    expect(ZReminderTimelineEntry.safeParse({ ...entry, reason: 'opted-out' }).success).toBe(true);
    expect(ZReminderTimelineEntry.safeParse({ ...entry, reason: 'Patient said stop texting me' }).success).toBe(false);
  });
});

describe('reminderDueIndexKeys', () => {
  it('puts a reminder in its RDUE shard by send time only while scheduled', () => {
    const keys = reminderDueIndexKeys({ ...base, sendAt: '2026-11-25T13:00:00.000Z' });
    expect(keys).toEqual({ duePk: expect.stringMatching(/^RDUE#[0-3]$/), dueSk: `2026-11-25T13:00:00.000Z#${base.id}` });
    expect(reminderDueIndexKeys({ ...base, status: 'cancelled', statusReason: 'appointment-cancelled' })).toEqual({});
    expect(reminderDueIndexKeys({ ...base, status: 'sent', providerMessageId: 'm' })).toEqual({});
    expect(reminderDueIndexKeys({ ...base, status: 'skipped', statusReason: 'opted-out' })).toEqual({});
  });

  it('moves a claimed reminder to its RLEASE shard by claim time, and never to an SLA partition', () => {
    const claimed = reminderDueIndexKeys({ ...base, status: 'sending', sendingAt: '2026-11-25T10:00:05.000Z' });
    expect(claimed).toEqual({ duePk: expect.stringMatching(/^RLEASE#[0-3]$/), dueSk: `2026-11-25T10:00:05.000Z#${base.id}` });
    const slaPartitions = Array.from({ length: DUE_SHARDS }, (_, i) => `DUE#${i}`);
    expect(slaPartitions).not.toContain((claimed as { duePk: string }).duePk);
  });
});

describe('ZCreateReminderInput', () => {
  const input = { patientId: 'p1', channel: 'email', templateId: 'follow-up-reminder', dueAt: '2026-11-25T10:00:00-05:00' };
  it('takes a due time with an offset and an optional language, and no offset without an appointment', () => {
    expect(ZCreateReminderInput.parse(input)).toEqual({ ...input, links: {} });
    expect(ZCreateReminderInput.safeParse({ ...input, dueAt: 'tomorrow' }).success).toBe(false);
    expect(ZCreateReminderInput.safeParse({ ...input, offsetHours: 24 }).success).toBe(false);
    expect(ZCreateReminderInput.safeParse({ ...input, offsetHours: 24, links: { appointment: { sourceId: 'ehr-test', reference: 'Appointment/1' } } }).success).toBe(true);
  });
});

describe('appointment reminder offsets', () => {
  it('default to 72 and 24 hours and validate a configured list', () => {
    expect(DEFAULT_APPOINTMENT_REMINDER_OFFSETS_HOURS).toEqual([72, 24]);
    expect(ZAppointmentReminderOffsets.parse([48, 2])).toEqual([48, 2]);
    for (const bad of [[], [24, 24], [0], [1.5], [721], [1, 2, 3, 4, 5, 6]]) expect(ZAppointmentReminderOffsets.safeParse(bad).success).toBe(false);
  });

  it('name one rule per offset and channel', () => {
    expect(appointmentReminderRuleId(72, 'sms')).toBe('appointment.reminder.72h.sms');
    expect(appointmentReminderRuleId(24, 'email')).toBe('appointment.reminder.24h.email');
  });
});

describe('reminderLabel', () => {
  it('names the template and channel only', () => {
    expect(reminderLabel({ templateId: 'appointment-reminder', channel: 'sms' })).toBe('Appointment reminder (SMS)');
    expect(reminderLabel({ templateId: 'care-plan-activity', channel: 'email' })).toBe('Care-plan activity reminder (email)');
  });
});
