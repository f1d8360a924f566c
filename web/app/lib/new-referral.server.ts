import { z } from 'zod';
import type { CreateReferralInput } from '../../../shared/referrals/create-referral';
import { QUEUE_IDS } from '../../../shared/referrals/queues';
import { ZPriority } from '../../../shared/referrals/schema';
import type { Patient } from '../../../shared/patients/schema';
import { formValues } from './session.server';

export const NEW_REFERRAL_FIELDS = [
  'patientId',
  'direction',
  'serviceDisplay',
  'serviceCode',
  'reason',
  'priority',
  'queue',
  'receivingOrganization',
  'note',
] as const;

/** zod paths of createReferral's input → the form field that carries them. */
export const NEW_REFERRAL_FIELD_NAMES: Record<string, string> = {
  service: 'serviceDisplay',
  'service.display': 'serviceDisplay',
  'service.code': 'serviceCode',
};

/** The "New referral" form; the use-case parses its own input again (ZCreateReferralInput). */
const ZNewReferralForm = z
  .object({
    patientId: z.string({ error: 'Choose a patient' }).min(1, 'Choose a patient').max(100),
    direction: z.enum(['outbound', 'inbound'], { error: 'Choose a direction' }).default('outbound'),
    serviceDisplay: z.string().max(500, 'Keep the service under 500 characters').optional(),
    serviceCode: z.string().max(200, 'Keep the code under 200 characters').optional(),
    reason: z.string().max(2000, 'Keep the reason under 2,000 characters').optional(),
    priority: ZPriority.default('routine'),
    queue: z.enum(QUEUE_IDS as [string, ...string[]], { error: 'Choose a queue from the list' }).optional(),
    receivingOrganization: z.string().max(500, 'Keep the organization under 500 characters').optional(),
    note: z.string().max(2000, 'Keep the note under 2,000 characters').optional(),
  })
  .refine((f) => f.serviceDisplay || f.serviceCode, { path: ['serviceDisplay'], message: 'Describe the service (or give its code)' });

export function parseNewReferralForm(form: FormData): CreateReferralInput {
  const f = ZNewReferralForm.parse(formValues(form, NEW_REFERRAL_FIELDS));
  return {
    patientId: f.patientId,
    direction: f.direction,
    service: { ...(f.serviceDisplay ? { display: f.serviceDisplay } : {}), ...(f.serviceCode ? { code: f.serviceCode } : {}) },
    priority: f.priority,
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f.queue ? { queue: f.queue } : {}),
    ...(f.receivingOrganization ? { receivingOrganization: f.receivingOrganization } : {}),
    ...(f.note ? { note: f.note } : {}),
  };
}

/** A patient as the picker shows it: name and birth date, nothing else. */
export function toPatientOption(p: Patient) {
  return { id: p.id, name: p.name?.text ?? 'Name pending from the EHR', birthDate: p.birthDate };
}
