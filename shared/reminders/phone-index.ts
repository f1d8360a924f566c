import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { contactDigest } from './contact-digest';
import type { TransactItem } from './repository';

/**
 * Which patients Sidecar texts at a number: `RPHONE#<digest(number)>` → `P#<patientId>`, written
 * in the claim transaction of every reminder SMS, so a reply from that number (STOP, HELP) finds
 * its patients with a Query — never a Scan, never the number in a key. Several patients can
 * share a number (a family phone): a reply speaks for all of them.
 */

const phonePk = (e164: string) => `RPHONE#${contactDigest('sms', e164)}`;

/** The transaction item recording that `patientId` is texted at `e164` (idempotent). */
export function indexPhone(ctx: AppContext, options: { e164: string; patientId: string; at: Date }): TransactItem {
  return {
    Put: {
      TableName: ctx.config.tables.records,
      Item: { pk: phonePk(options.e164), sk: `P#${options.patientId}`, entity: 'reminder-phone', patientId: options.patientId, at: options.at.toISOString() },
    },
  };
}

/** The patients texted at a number (ids only), at most 20: one strongly consistent Query. */
export async function findPatientIdsByPhone(ctx: AppContext, e164: string): Promise<string[]> {
  const res = await ctx.db.send(
    new QueryCommand({
      TableName: ctx.config.tables.records,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': phonePk(e164) },
      ConsistentRead: true,
      Limit: 20,
    }),
  );
  return (res.Items ?? []).flatMap((item) => (typeof item.patientId === 'string' ? [item.patientId] : []));
}
