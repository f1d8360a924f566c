import type { AppContext } from '../context';
import { newId } from '../ids';
import { errorFields, logger } from '../logger';
import { putAuditItem, toAuditItem } from './repository';
import { type AuditEntry, type AuditInput, ZAuditEntry } from './schema';

export type { AuditEntry, AuditInput } from './schema';

/** Puts in flight at once: enough for a list page's rows, gentle on the table's write capacity. */
const WRITE_CONCURRENCY = 8;

/**
 * Appends audit records (one per resource touched) and returns them as stored. Each gets a new
 * ULID and the time of `ctx.clock`; all are validated before any is written, then each is one
 * conditional PutItem (append-only: never BatchWriteItem, Update or Delete), a few at a time.
 * Throws if any entry is invalid or any write fails — after the other writes have settled, so
 * as much of the trail as possible lands — and callers must then fail their request closed.
 * The error names counts and fields only, never values.
 */
export async function recordAudit(ctx: AppContext, entries: AuditInput[]): Promise<AuditEntry[]> {
  const at = ctx.clock.now().toISOString();
  const records = entries.map((input, index) => {
    const parsed = ZAuditEntry.safeParse({ ...input, id: newId(), at });
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(entry)'))].join(', ');
      // Not a DomainError: a bad audit record is our bug, a 500 at the edge, never the caller's 400.
      throw new Error(`Audit entry ${index} is not valid: ${fields}`);
    }
    return parsed.data;
  });

  const failures: unknown[] = [];
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const record = records[next++]!;
      try {
        await putAuditItem(ctx, toAuditItem(record));
      } catch (error) {
        failures.push(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, records.length) }, worker));

  if (failures.length > 0) {
    logger.error('Audit records not written', { failed: failures.length, total: records.length, ...errorFields(failures[0]) });
    throw new Error(`${failures.length} of ${records.length} audit records were not written`);
  }
  return records;
}
