import { z } from 'zod';
import type { AppContext } from '../context';
import { decodeCursor, encodeCursor } from '../db/cursor';
import { BadRequestError } from '../errors';
import { isCarePlanPosition, queryCarePlansForPatient } from './repository';
import type { CarePlan } from './schema';

export const ZListCarePlansInput = z.object({
  patientId: z.string().min(1).max(64),
  cursor: z.string().max(1000).optional(),
  limit: z.number().int().min(1).max(100).default(25),
});
export type ListCarePlansInput = z.input<typeof ZListCarePlansInput>;

export interface CarePlanPage {
  carePlans: CarePlan[];
  nextCursor?: string;
}

/**
 * A patient's care plans, newest first, a page at a time: one Query on the records table's
 * patient index (never a Scan), so a page costs the same however many plans exist elsewhere.
 * The cursor is opaque (a creation time and a plan id, no PHI). Returns PHI by association.
 */
export async function listCarePlansForPatient(ctx: AppContext, input: ListCarePlansInput): Promise<CarePlanPage> {
  const { patientId, cursor, limit } = ZListCarePlansInput.parse(input);
  const after = decodeCursor(cursor);
  if (after !== undefined && !isCarePlanPosition(after)) throw new BadRequestError('The cursor is not valid; start again from the first page');
  const page = await queryCarePlansForPatient(ctx, { patientId, limit, ...(after ? { after } : {}) });
  return { carePlans: page.carePlans, ...(page.next ? { nextCursor: encodeCursor(page.next) } : {}) };
}
