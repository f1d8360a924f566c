import type { ReminderTemplateId } from './templates';

/**
 * What staff call each reminder template ("Follow-up reminder"): the single source of these names
 * for anything staff read (the console's reminder list and schedule form), kept in the domain so
 * domain-built labels can share it rather than spell a template their own way. Staff-facing
 * English; the patient's own texts are in templates.ts.
 */
export const REMINDER_TEMPLATE_LABEL: Readonly<Record<ReminderTemplateId, string>> = {
  'appointment-reminder': 'Appointment reminder',
  'care-plan-activity': 'Care-plan activity reminder',
  'follow-up-reminder': 'Follow-up reminder',
};
