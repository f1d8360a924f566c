import { z } from 'zod';
import { ZEhrLink } from '../referrals/schema';

/**
 * Sidecar's minimum-necessary projection of the EHR's Patient: what coordination needs
 * (who, how to reach them, in which language), nothing clinical. All of it is PHI.
 */
export const ZPatient = z.object({
  id: z.string(),
  ehr: ZEhrLink.optional(),
  name: z.object({ text: z.string(), given: z.array(z.string()).default([]), family: z.string().optional() }).optional(),
  birthDate: z.string().optional(),
  phones: z.array(z.object({ value: z.string(), use: z.string().optional() })).default([]),
  emails: z.array(z.object({ value: z.string(), use: z.string().optional() })).default([]),
  /** BCP-47 language code the patient prefers (from Patient.communication). */
  language: z.string().optional(),
  /** IANA time zone (FHIR timezone extension, else the address's US state); reminders' quiet hours. */
  timeZone: z.string().optional(),
  /** True until the EHR's Patient resource has been received. */
  pending: z.boolean().default(false),
  ehrVersion: z.string().optional(),
  version: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Patient = z.infer<typeof ZPatient>;
