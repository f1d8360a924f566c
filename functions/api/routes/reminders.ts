import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { getPatientConsent } from '../../../shared/consent/get-patient-consent';
import { recordConsoleConsentChange, ZConsoleConsentChangeInput } from '../../../shared/consent/record-console-consent-change';
import { ZConsentEntry, ZConsentState } from '../../../shared/consent/schema';
import type { AppContext } from '../../../shared/context';
import { cancelReminder } from '../../../shared/reminders/cancel-reminder';
import { createStaffReminder, ZCreateStaffReminderInput } from '../../../shared/reminders/create-staff-reminder';
import { getPatientReminders } from '../../../shared/reminders/get-patient-reminders';
import { ZReminder, ZReminderChannel } from '../../../shared/reminders/schema';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZUlidParam, ZVersion } from '../schemas';

const body = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });

const ZPatientReminders = z.object({
  reminders: z.array(ZReminder),
  capped: z.boolean(),
  channels: z.array(ZReminderChannel),
});
const ZPatientConsent = z.object({
  channels: z.object({ sms: ZConsentState, email: ZConsentState }),
  history: z.array(ZConsentEntry),
  capped: z.boolean(),
});
const ZRecordedConsentChange = z.object({ outcome: z.enum(['recorded', 'unchanged', 'superseded']), state: ZConsentState, entry: ZConsentEntry.optional() });

/** A reminder scheduled or cancelled, audited as itself (with its patient). */
const reminderResource = (r: { id: string; patientId: string }) => ({ resourceType: 'Reminder' as const, resourceId: r.id, patientId: r.patientId });
/** A patient's reminders read as a list: the patient says whose (the list has no id of its own). */
const patientRemindersResource = (patientId: string) => ({ resourceType: 'Reminder' as const, patientId });
/** A patient's consent ledger, read or changed: it is the patient's, so the patient id names it. */
const consentResource = (patientId: string) => ({ resourceType: 'Consent' as const, resourceId: patientId, patientId });

/** /api/reminders: schedule a reminder by hand, cancel a scheduled one (version-checked). */
export function remindersRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/',
        request: { body: body(ZCreateStaffReminderInput) },
        responses: { 201: json(ZReminder, 'Scheduled (in the patient’s preferred language; consent and quiet hours are checked when it comes due)'), ...errorResponses },
      }),
      async (c) => {
        const { reminder } = await createStaffReminder(ctx, { actor: c.get('actor'), input: c.req.valid('json') });
        c.get('audit').add('create', reminderResource(reminder));
        return c.json(reminder, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/cancel',
        request: { params: ZUlidParam, body: body(ZVersion) },
        responses: { 200: json(ZReminder, 'Cancelled by staff'), ...errorResponses },
      }),
      async (c) => {
        const actor = c.get('actor');
        const reminder = await cancelReminder(ctx, { id: c.req.valid('param').id, version: c.req.valid('json').version, actor: { id: actor.id, name: actor.name } });
        c.get('audit').add('transition', reminderResource(reminder));
        return c.json(reminder, 200);
      },
    );
}

/** /api/patients/{id}/reminders and /api/patients/{id}/consent: a patient's reminders and contact preferences. */
export function patientRemindersRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}/reminders',
        request: { params: ZUlidParam },
        responses: { 200: json(ZPatientReminders, 'The patient’s reminders, newest first, and the channels they have a contact point for'), ...errorResponses },
      }),
      async (c) => {
        const patientId = c.req.valid('param').id;
        const reminders = await getPatientReminders(ctx, { patientId });
        c.get('audit').add('list', patientRemindersResource(patientId));
        return c.json(reminders, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}/consent',
        request: { params: ZUlidParam },
        responses: { 200: json(ZPatientConsent, 'Consent per channel now, and every change, newest first'), ...errorResponses },
      }),
      async (c) => {
        const patientId = c.req.valid('param').id;
        const consent = await getPatientConsent(ctx, { patientId });
        c.get('audit').add('read', consentResource(patientId));
        return c.json(consent, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/consent',
        request: { params: ZUlidParam, body: body(ZConsoleConsentChangeInput) },
        responses: { 200: json(ZRecordedConsentChange, 'Recorded with source `console` (or unchanged: the channel already had that status)'), ...errorResponses },
      }),
      async (c) => {
        const patientId = c.req.valid('param').id;
        const result = await recordConsoleConsentChange(ctx, { actor: c.get('actor'), patientId, input: c.req.valid('json') });
        c.get('audit').add('update', consentResource(patientId));
        return c.json(result, 200);
      },
    );
}
