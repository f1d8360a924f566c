import { z } from 'zod';
import type { AppContext } from '../context';
import { readConsentStates } from './repository';
import type { ConsentChannel, ConsentState } from './schema';

/**
 * A patient's current consent on each channel (`unknown` where nothing was ever recorded): one
 * strongly consistent Query, so the send sweep's re-check right before sending sees a STOP
 * recorded a moment ago. Pass each channel's state to consentAllows.
 */
export async function getConsent(ctx: AppContext, patientId: string): Promise<Record<ConsentChannel, ConsentState>> {
  return readConsentStates(ctx, z.string().min(1).max(64).parse(patientId));
}
