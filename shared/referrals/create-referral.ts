import { z } from 'zod';
import type { AppContext } from '../context';
import { NotFoundError } from '../errors';
import { newId } from '../ids';
import { getPatientRecord } from '../patients/repository';
import { timelineEntry } from './change';
import { referralDueAt } from './due';
import { QUEUE_IDS, queueFor } from './queues';
import { insertReferral } from './repository';
import { type ActorRef, type Referral, ZCode, ZDirection, ZPriority } from './schema';

export const ZCreateReferralInput = z.object({
  patientId: z.string().min(1).max(64),
  direction: ZDirection.default('outbound'),
  service: ZCode.refine((c) => !!(c.code || c.display), 'A service needs a code or a display'),
  reason: z.string().trim().max(2000).optional(),
  priority: ZPriority.default('routine'),
  queue: z.enum(QUEUE_IDS as [string, ...string[]]).optional(),
  receivingOrganization: z.string().trim().max(500).optional(),
  note: z.string().trim().max(2000).optional(),
});
export type CreateReferralInput = z.input<typeof ZCreateReferralInput>;

/**
 * A referral made by hand (a phone or fax referral, an inbound request from another clinic):
 * `requested` in triage, due by its priority on the business calendar, in the given queue or its specialty's.
 */
export async function createReferral(ctx: AppContext, options: { actor: ActorRef; input: CreateReferralInput }): Promise<Referral> {
  const input = ZCreateReferralInput.parse(options.input);
  const patient = await getPatientRecord(ctx, input.patientId);
  if (!patient) throw new NotFoundError('Patient not found');
  const now = ctx.clock.now();
  const referral: Referral = {
    id: newId(),
    patientId: patient.id,
    direction: input.direction,
    service: input.service,
    ...(input.reason ? { reason: input.reason } : {}),
    priority: input.priority,
    status: 'requested',
    businessStatus: 'triage',
    queue: input.queue ?? queueFor([input.service]),
    dueAt: referralDueAt({ priority: input.priority, createdAt: now.toISOString() }),
    ...(input.receivingOrganization ? { receivingOrganization: input.receivingOrganization } : {}),
    ehrVersions: {},
    version: 1,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  await insertReferral(ctx, referral, [
    timelineEntry(referral, options.actor, now, { kind: 'created', to: { status: 'requested', businessStatus: 'triage' }, note: input.note ?? 'Referral created by hand' }),
  ]);
  return referral;
}
