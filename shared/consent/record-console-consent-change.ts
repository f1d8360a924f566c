import { z } from 'zod';
import type { AppContext } from '../context';
import { ConflictError, NotFoundError } from '../errors';
import { getPatientRecord } from '../patients/repository';
import type { User } from '../users/directory';
import { readConsentStates } from './repository';
import { type RecordedConsentChange, recordConsentChange } from './record-consent-change';
import { ZConsentChange, ZConsentChannel } from './schema';

/** A change a coordinator or nurse records in the console: the channel, opt-in or opt-out, and the state's version they saw. */
export const ZConsoleConsentChangeInput = z.strictObject({
  channel: ZConsentChannel,
  change: ZConsentChange,
  /** The channel state's version the person saw (0 while nothing was recorded); omitted: no check. */
  version: z.number().int().min(0).optional(),
});
export type ConsoleConsentChangeInput = z.input<typeof ZConsoleConsentChangeInput>;

/**
 * Records what a patient told a member of staff (on the phone, at the desk): an opt-in or opt-out
 * with source `console` and the staff member as actor, now, through recordConsentChange (so it is
 * in the ledger and on the patient's timeline like any other change). With a `version`, a channel
 * changed since the person looked (say the patient just texted STOP) is a 409 with
 * `currentVersion`, never overwritten. The check reads the state right before the change, whose
 * own write is conditional on the state it reads; a change landing between the two reads is
 * recorded in order and the state is the later one. 404 unknown patient.
 */
export async function recordConsoleConsentChange(
  ctx: AppContext,
  options: { actor: User; patientId: string; input: ConsoleConsentChangeInput },
): Promise<RecordedConsentChange> {
  const input = ZConsoleConsentChangeInput.parse(options.input);
  const patientId = z.string().min(1).max(64).parse(options.patientId);
  if (!(await getPatientRecord(ctx, patientId))) throw new NotFoundError('Patient not found');
  if (input.version !== undefined) {
    const current = (await readConsentStates(ctx, patientId))[input.channel];
    if (current.version !== input.version) {
      throw new ConflictError('The patient’s contact preferences changed since you looked; reload and try again', { currentVersion: current.version });
    }
  }
  return recordConsentChange(ctx, {
    patientId,
    channel: input.channel,
    change: input.change,
    source: 'console',
    actor: { id: options.actor.id, name: options.actor.name },
  });
}
