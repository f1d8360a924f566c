import { z } from 'zod';
import type { AppContext } from '../context';
import { queryConsentEntries } from './repository';
import type { ConsentEntry } from './schema';

/** How many consent changes a history shows at most. */
export const CONSENT_HISTORY_LIMIT = 200;

export const ZListConsentHistoryInput = z.object({
  patientId: z.string().min(1).max(64),
  limit: z.number().int().min(1).max(CONSENT_HISTORY_LIMIT).default(CONSENT_HISTORY_LIMIT),
});

/**
 * A patient's consent changes on every channel, newest first (by when each happened), at most
 * `limit`; `capped` says older ones exist. One Query on the ledger partition. Staff notes are
 * PHI possibly: render, never log.
 */
export async function listConsentHistory(ctx: AppContext, patientId: string, options: { limit?: number } = {}): Promise<{ entries: ConsentEntry[]; capped: boolean }> {
  const input = ZListConsentHistoryInput.parse({ patientId, ...options });
  const { entries, more } = await queryConsentEntries(ctx, { patientId: input.patientId, limit: input.limit });
  return { entries, capped: more };
}
