import { z } from 'zod';
import { BadRequestError } from '../errors';

const ZCursor = z.object({ v: z.literal(1), after: z.string().max(400) });

/** Encodes a position (a sort key, which holds no patient data) as an opaque cursor. */
export function encodeCursor(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after })).toString('base64url');
}

/** Decodes a cursor from a client; a malformed one is a 400, never a 500. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  try {
    return ZCursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).after;
  } catch {
    throw new BadRequestError('The cursor is not valid; start again from the first page');
  }
}
