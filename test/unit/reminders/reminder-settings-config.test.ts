import { loadConfig } from '../../../shared/config/config';
import { ENV } from '../../../shared/config/env-names';
import { ZAppointmentReminderOffsets } from '../../../shared/reminders/schedule-appointment-reminders';

const BASE: NodeJS.ProcessEnv = {
  NODE_ENV: 'test',
  [ENV.recordsTable]: 'records',
  [ENV.inboxTable]: 'inbox',
  [ENV.auditTable]: 'audit',
  [ENV.eventBusName]: 'bus',
};
const offsets = (value: string | undefined) => loadConfig({ ...BASE, [ENV.appointmentReminderOffsetsHours]: value }).reminders.appointmentOffsetsHours;

describe('SIDECAR_APPOINTMENT_REMINDER_OFFSETS_HOURS', () => {
  it('is optional: unset or blank leaves the rule its default', () => {
    expect(offsets(undefined)).toBeUndefined();
    expect(offsets('')).toBeUndefined();
  });

  it.each([
    ['72,24', [72, 24]],
    [' 48 , 2 ', [48, 2]],
    ['720,1', [720, 1]],
    ['6', [6]],
  ])('reads %j as %j', (value, expected) => {
    expect(offsets(value)).toEqual(expected);
    expect(ZAppointmentReminderOffsets.safeParse(expected).success).toBe(true);
  });

  it.each([
    ['hours with a fraction', '1.5'],
    ['a negative number', '-24'],
    ['zero', '0,24'],
    ['more than 30 days', '721'],
    ['an offset twice', '24,24'],
    ['more than five offsets', '1,2,3,4,5,6'],
    ['words', '3 days'],
    ['an empty item', '72,,24'],
  ])('refuses %s at start, naming the setting but not its value', (_label, value) => {
    expect(() => offsets(value)).toThrow(/reminders\.appointmentOffsetsHours/);
    try {
      offsets(value);
    } catch (error) {
      expect((error as Error).message).not.toContain(value);
    }
  });

  it('refuses exactly what the appointment rule would refuse (the bounds agree)', () => {
    for (const list of [[0], [721], [24, 24], [1, 2, 3, 4, 5, 6]]) {
      expect(ZAppointmentReminderOffsets.safeParse(list).success).toBe(false);
      expect(() => offsets(list.join(','))).toThrow();
    }
  });
});

describe('SIDECAR_REMINDER_SEND_WINDOW', () => {
  const window = (value: string | undefined) => loadConfig({ ...BASE, [ENV.reminderSendWindow]: value }).reminders.sendWindow;

  it('is optional: unset or blank keeps 08:00–21:00 (nextSendTime’s default)', () => {
    expect(window(undefined)).toBeUndefined();
    expect(window('')).toBeUndefined();
  });

  it.each([
    ['09:00-20:00', { start: '09:00', end: '20:00' }],
    [' 08:00 - 21:00 ', { start: '08:00', end: '21:00' }],
    ['10:30-17:45', { start: '10:30', end: '17:45' }],
  ])('reads %j as %j', (value, expected) => {
    expect(window(value)).toEqual(expected);
  });

  it.each([
    ['a start before 08:00', '07:30-20:00', /must not start before 08:00/],
    ['an end after 21:00', '09:00-22:00', /must not end after 21:00/],
    ['an empty window', '12:00-12:00', /start must be before end/],
    ['a window across midnight', '20:00-09:00', /start must be before end/],
    ['hours without minutes', '9-17', /HH:MM-HH:MM/],
    ['an impossible time', '09:00-24:00', /HH:MM/],
  ])('refuses %s at start, naming the setting', (_label, value, reason) => {
    expect(() => window(value)).toThrow(/reminders\.sendWindow/);
    expect(() => window(value)).toThrow(reason);
  });
});
