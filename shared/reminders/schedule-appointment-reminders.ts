import { z } from 'zod';
import type { AppContext } from '../context';
import { createReminder } from './create-reminder';
import {
  MAX_REMINDER_OFFSET_HOURS,
  type Reminder,
  type ReminderChannel,
  ZReminderChannel,
  ZReminderResourceRef,
} from './schema';
import { ZReminderLanguage, ZReminderTemplateId } from './templates';

/** Appointment reminders go out 72 and 24 hours before the start unless configured otherwise. */
export const DEFAULT_APPOINTMENT_REMINDER_OFFSETS_HOURS: readonly number[] = [72, 24];

/** The configured offsets: whole hours before the start, distinct, at most five. */
export const ZAppointmentReminderOffsets = z
  .array(z.number().int().min(1).max(MAX_REMINDER_OFFSET_HOURS))
  .min(1)
  .max(5)
  .refine((offsets) => new Set(offsets).size === offsets.length, 'offsets must be distinct');

/** The rule id of an appointment's reminder for one offset and channel (`appointment.reminder.72h.sms`): one reminder each. */
export function appointmentReminderRuleId(offsetHours: number, channel: ReminderChannel): string {
  return `appointment.reminder.${offsetHours}h.${channel}`;
}

export const ZScheduleAppointmentRemindersInput = z.object({
  patientId: z.string().min(1).max(64),
  /** The EHR appointment (its reference is digested before it reaches a key). */
  appointment: ZReminderResourceRef,
  start: z.iso.datetime({ offset: true }),
  channels: z.array(ZReminderChannel).min(1).max(2),
  offsets: ZAppointmentReminderOffsets.default([...DEFAULT_APPOINTMENT_REMINDER_OFFSETS_HOURS]),
  templateId: ZReminderTemplateId.default('appointment-reminder'),
  language: ZReminderLanguage.optional(),
});
export type ScheduleAppointmentRemindersInput = z.input<typeof ZScheduleAppointmentRemindersInput>;

export interface ScheduledAppointmentReminders {
  /** Every reminder for an offset still ahead, new or made by an earlier run. */
  reminders: Reminder[];
  /** How many of them this call created. */
  created: number;
  /** Offsets whose time had already passed (the appointment is too soon for them): none made. */
  tooLate: number[];
}

/**
 * Schedules an appointment's reminders when it is booked (or re-run when it moves): one per offset
 * and channel at `start − offset`, each by its own rule (appointmentReminderRuleId) with the
 * appointment as source, so a replayed event or a second run creates nothing twice. Offsets whose
 * time has passed are reported in `tooLate`, never scheduled in the past. Consent, quiet hours and
 * the contact point are checked at send time, not here.
 */
export async function scheduleAppointmentReminders(ctx: AppContext, options: ScheduleAppointmentRemindersInput): Promise<ScheduledAppointmentReminders> {
  const input = ZScheduleAppointmentRemindersInput.parse(options);
  const start = Date.parse(input.start);
  const now = ctx.clock.now().getTime();
  const result: ScheduledAppointmentReminders = { reminders: [], created: 0, tooLate: [] };
  for (const offsetHours of input.offsets) {
    const dueAt = start - offsetHours * 3_600_000;
    if (dueAt < now) {
      result.tooLate.push(offsetHours);
      continue;
    }
    for (const channel of new Set(input.channels)) {
      const { reminder, created } = await createReminder(ctx, {
        rule: { ruleId: appointmentReminderRuleId(offsetHours, channel), source: input.appointment },
        input: {
          patientId: input.patientId,
          channel,
          templateId: input.templateId,
          ...(input.language ? { language: input.language } : {}),
          dueAt: new Date(dueAt).toISOString(),
          offsetHours,
          links: { appointment: input.appointment },
        },
      });
      result.reminders.push(reminder);
      if (created) result.created++;
    }
  }
  return result;
}
