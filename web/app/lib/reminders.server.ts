import { json } from '@remix-run/node';
import { z } from 'zod';
import { recordConsoleConsentChange } from '../../../shared/consent/record-console-consent-change';
import { ZConsentChange, ZConsentChannel } from '../../../shared/consent/schema';
import type { AppContext } from '../../../shared/context';
import type { DomainError } from '../../../shared/errors';
import { cancelReminder } from '../../../shared/reminders/cancel-reminder';
import { createStaffReminder } from '../../../shared/reminders/create-staff-reminder';
import { ZReminderChannel } from '../../../shared/reminders/schema';
import { ZReminderTemplateId } from '../../../shared/reminders/templates';
import { ZUlid } from '../../../shared/tasks/schema';
import type { User } from '../../../shared/users/directory';
import { STALE_MESSAGE, toUserError } from './action-error.server';
import { formValues } from './session.server';
import { isValidTimeZone, TimeInputError, zonedLocalToIso } from './time';

/**
 * The patient page's forms (schedule a reminder, cancel one, record an opt-in or opt-out): parse
 * the posted form with zod, run the one use-case it stands for, and say what happened in words.
 */

export const PATIENT_STALE_MESSAGE = 'This was changed by someone else (or by the patient) — reload the page to see the latest, then try again.';

/** Every field the page's forms post. */
export const PATIENT_FORM_FIELDS = ['intent', 'channel', 'templateId', 'dueAt', 'timeZone', 'reminderId', 'version', 'change', 'confirm'] as const;

const ZFormVersion = z.coerce.number({ error: 'Reload the page: the form lost its version' }).int().min(0);

const ZPatientForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('schedule-reminder'), channel: ZReminderChannel, templateId: ZReminderTemplateId, dueAt: z.string({ error: 'Enter a date and time' }), timeZone: z.string().default('UTC') }),
  z.object({ intent: z.literal('cancel-reminder'), reminderId: ZUlid, version: ZFormVersion.refine((n) => n >= 1, 'Reload the page: the form lost its version') }),
  z.object({
    intent: z.literal('consent'),
    channel: ZConsentChannel,
    change: ZConsentChange,
    version: ZFormVersion,
    confirm: z.literal('yes', { error: 'Tick the box to confirm the patient asked for this' }),
  }),
]);

export type PatientFormCommand =
  | { intent: 'schedule-reminder'; channel: z.infer<typeof ZReminderChannel>; templateId: z.infer<typeof ZReminderTemplateId>; dueAt: string }
  | { intent: 'cancel-reminder'; reminderId: string; version: number }
  | { intent: 'consent'; channel: z.infer<typeof ZConsentChannel>; change: z.infer<typeof ZConsentChange>; version: number };

/**
 * Parses one of the patient page's forms. The schedule form's `datetime-local` value is read as
 * wall-clock time in the chosen zone (the viewer's by default) and becomes an instant with its
 * offset. Throws ZodError (field messages) or TimeInputError.
 */
export function parsePatientForm(form: FormData): PatientFormCommand {
  const v = formValues(form, PATIENT_FORM_FIELDS);
  const parsed = ZPatientForm.parse(Object.fromEntries(Object.entries(v).filter(([, value]) => value !== undefined)));
  switch (parsed.intent) {
    case 'schedule-reminder':
      return { intent: parsed.intent, channel: parsed.channel, templateId: parsed.templateId, dueAt: zonedLocalToIso(parsed.dueAt, parsed.timeZone) };
    case 'cancel-reminder':
      return { intent: parsed.intent, reminderId: parsed.reminderId, version: parsed.version };
    case 'consent':
      return { intent: parsed.intent, channel: parsed.channel, change: parsed.change, version: parsed.version };
  }
}

/** What a form did, as a code for the redirect's `?done=` (mapped to words by PATIENT_DONE_MESSAGE; never echoed). */
export type PatientFormDone = 'reminder-scheduled' | 'reminder-cancelled' | 'opt-in-recorded' | 'opt-out-recorded' | 'consent-unchanged';

export const PATIENT_DONE_MESSAGE: Record<PatientFormDone, string> = {
  'reminder-scheduled': 'The reminder is scheduled. Consent and quiet hours are checked when it comes due.',
  'reminder-cancelled': 'The reminder was cancelled.',
  'opt-in-recorded': 'The opt-in was recorded.',
  'opt-out-recorded': 'The opt-out was recorded. Reminders on that channel will not be sent.',
  'consent-unchanged': 'Nothing changed: that preference was already recorded.',
};

/** The success message for a `?done=` code, or undefined for anything else. */
export function patientDoneMessage(code: string | null): string | undefined {
  return code && Object.hasOwn(PATIENT_DONE_MESSAGE, code) ? PATIENT_DONE_MESSAGE[code as PatientFormDone] : undefined;
}

/** What a patient-page form changed, for the audit trail: the reminder itself, or the patient's consent ledger. */
export interface PatientFormAudit {
  action: 'create' | 'transition' | 'update';
  resource: { resourceType: 'Reminder' | 'Consent'; resourceId: string; patientId: string };
}

/**
 * Runs the use-case a patient-page form stands for, as `actor`, on this page's patient (a reminder
 * of another patient is a 404); returns what was done and what to audit.
 */
export async function runPatientFormCommand(
  ctx: AppContext,
  actor: User,
  patientId: string,
  command: PatientFormCommand,
): Promise<{ done: PatientFormDone; audit: PatientFormAudit }> {
  switch (command.intent) {
    case 'schedule-reminder': {
      const { reminder } = await createStaffReminder(ctx, { actor, input: { patientId, channel: command.channel, templateId: command.templateId, dueAt: command.dueAt } });
      return { done: 'reminder-scheduled', audit: { action: 'create', resource: { resourceType: 'Reminder', resourceId: reminder.id, patientId } } };
    }
    case 'cancel-reminder': {
      const reminder = await cancelReminder(ctx, { id: command.reminderId, version: command.version, actor: { id: actor.id, name: actor.name }, patientId });
      return { done: 'reminder-cancelled', audit: { action: 'transition', resource: { resourceType: 'Reminder', resourceId: reminder.id, patientId } } };
    }
    case 'consent': {
      const result = await recordConsoleConsentChange(ctx, { actor, patientId, input: { channel: command.channel, change: command.change, version: command.version } });
      return {
        done: result.outcome === 'recorded' ? `${command.change}-recorded` : 'consent-unchanged',
        audit: { action: 'update', resource: { resourceType: 'Consent', resourceId: patientId, patientId } },
      };
    }
  }
}

/**
 * Which form on the page a failure belongs to, so its alert shows beside it: `schedule`,
 * `cancel:<reminder id>` or `consent:<channel>:<change>`, built only from values that match their
 * shapes (anything else is `form`, shown at the top of the reminders section).
 */
export function patientFormKey(form: FormData): string {
  const v = formValues(form, PATIENT_FORM_FIELDS);
  if (v.intent === 'schedule-reminder') return 'schedule';
  if (v.intent === 'cancel-reminder' && ZUlid.safeParse(v.reminderId).success) return `cancel:${v.reminderId}`;
  if (v.intent === 'consent' && ZConsentChannel.safeParse(v.channel).success && ZConsentChange.safeParse(v.change).success) return `consent:${v.channel}:${v.change}`;
  return 'form';
}

/**
 * A failed form's answer: the page re-renders with the alert beside that form (see
 * patientFormKey), at the error's status. A stale version reads as such; a bad date or time, or a
 * domain error that names its field (`details.path`), is shown next to that field.
 */
export function patientFormError(form: FormData, error: unknown) {
  const e = toUserError(error);
  const fieldErrors = { ...(e.fieldErrors ?? {}) };
  if (error instanceof TimeInputError) {
    delete fieldErrors.appointmentAt;
    fieldErrors.dueAt = error.message;
  }
  // Duck-typed like action-error.server: a domain error from another bundled copy of shared/ counts too.
  const path = error instanceof Error ? (error as Partial<DomainError>).details?.path : undefined;
  if (typeof path === 'string' && (PATIENT_FORM_FIELDS as readonly string[]).includes(path)) fieldErrors[path] = e.message;
  return json(
    { ok: false as const, form: patientFormKey(form), message: e.message === STALE_MESSAGE ? PATIENT_STALE_MESSAGE : e.message, fieldErrors, values: prefillValues(form) },
    { status: e.status },
  );
}

const PREFILL_SHAPES: Record<string, (value: string) => boolean> = {
  channel: (v) => ZReminderChannel.safeParse(v).success,
  templateId: (v) => ZReminderTemplateId.safeParse(v).success,
  timeZone: isValidTimeZone,
  dueAt: (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v),
};

/** The schedule form's values to prefill it with after a failure: only those of a valid shape, so no typed text is ever echoed. */
function prefillValues(form: FormData): Record<string, string> {
  const v = formValues(form, Object.keys(PREFILL_SHAPES));
  return Object.fromEntries(Object.entries(v).filter((entry): entry is [string, string] => entry[1] !== undefined && PREFILL_SHAPES[entry[0]]!(entry[1])));
}
