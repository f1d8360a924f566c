import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { mergeQuery } from '../db/merge-query';
import { RECORDS_INDEX } from '../db/tables';
import { PATIENT_KIND_SHARDS, patientFromItem } from './repository';
import type { Patient } from './schema';

/**
 * Patients, oldest first, a page at a time: a merge of Queries over the sharded kind index.
 * Used to pick a patient when creating a referral by hand. Returns PHI.
 */
export async function listPatients(ctx: AppContext, options: { cursor?: string; limit?: number } = {}): Promise<{ patients: Patient[]; nextCursor?: string }> {
  const page = await mergeQuery(ctx, {
    table: ctx.config.tables.records,
    ranges: Array.from({ length: PATIENT_KIND_SHARDS }, (_, i) => ({ index: RECORDS_INDEX.kind, pkName: 'kindPk', pkValue: `K#patient#${i}`, skName: 'kindSk' })),
    limit: Math.min(Math.max(options.limit ?? 50, 1), 200),
    ...(options.cursor ? { after: decodeCursor(options.cursor) } : {}),
  });
  return { patients: page.items.map(patientFromItem), ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}
