import { z } from 'zod';
import type { AppContext } from '../context';
import type { User } from '../users/directory';
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
 * in the ledger and on the patient's timeline like any other change). With a `version`, the change
 * is written only on exactly that version of the channel's state (the check and the conditional
 * write are one): a channel changed since the person looked — the patient just texted STOP, or a
 * colleague recorded a change from the same page — is a 409 with `currentVersion`, never
 * overwritten, even when both post at the same moment. 404 unknown patient.
 */
export async function recordConsoleConsentChange(
  ctx: AppContext,
  options: { actor: User; patientId: string; input: ConsoleConsentChangeInput },
): Promise<RecordedConsentChange> {
  const input = ZConsoleConsentChangeInput.parse(options.input);
  return recordConsentChange(ctx, {
    patientId: options.patientId,
    channel: input.channel,
    change: input.change,
    source: 'console',
    actor: { id: options.actor.id, name: options.actor.name },
    ...(input.version !== undefined ? { expectedVersion: input.version } : {}),
  });
}
