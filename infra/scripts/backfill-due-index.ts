/**
 * One-off migration: puts referrals and tasks saved before the SLA due index existed into it, so
 * the breach sweep sees them. Safe to run beside live traffic and to run again (it only writes
 * items whose due keys are missing or stale, each conditional on the version it read):
 *
 *   npx tsx infra/scripts/backfill-due-index.ts [--page-size N]
 *
 * Configuration comes from the environment exactly as on Lambda (SIDECAR_RECORDS_TABLE,
 * SIDECAR_INBOX_TABLE, SIDECAR_AUDIT_TABLE, SIDECAR_EVENT_BUS_NAME: the stack's outputs; locally
 * also SIDECAR_DYNAMODB_ENDPOINT, as `npm start` prints it), with the default AWS credential chain
 * and AWS_REGION. Prints counts only.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../../shared/config/config';
import { createContext } from '../../shared/context';
import { backfillDueIndex } from '../../shared/sla/backfill-due-index';

const USAGE = 'usage: npx tsx infra/scripts/backfill-due-index.ts [--page-size N]   (1-1000, default 100: items per Query page)\n';

const { values } = parseArgs({ options: { 'page-size': { type: 'string' }, help: { type: 'boolean' } } });

async function run(): Promise<number> {
  const pageSize = z.coerce.number().int().min(1).max(1000).optional().safeParse(values['page-size']);
  if (values.help || !pageSize.success) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const ctx = createContext({ config: loadConfig() });
  try {
    const result = await backfillDueIndex(ctx, pageSize.data === undefined ? {} : { pageSize: pageSize.data });
    process.stdout.write(
      `Examined ${result.examined}: ${result.updated} updated, ${result.alreadyCorrect} already correct, ` +
        `${result.skipped} changed meanwhile (skipped), ${result.failed} unreadable.\n`,
    );
    return result.failed > 0 ? 1 : 0;
  } finally {
    ctx.db.destroy();
    ctx.events.destroy();
    ctx.secrets.destroy();
  }
}

process.exitCode = await run();
