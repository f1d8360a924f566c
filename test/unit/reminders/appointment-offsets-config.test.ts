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
