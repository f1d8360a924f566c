import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';

/**
 * At most one answer per inbound text: SNS delivers at least once, so the answer to a HELP or the
 * opt-out confirmation is sent only by the delivery that first takes `RREPLY#<digest(inbound
 * message id)>`. Guards expire after 7 days (TTL), far beyond SNS's redelivery window.
 */

const GUARD_TTL_SECONDS = 7 * 86_400;

/** True for the first caller with this inbound message id, false for every later one. */
export async function takeInboundReplyGuard(ctx: AppContext, options: { inboundMessageId: string; at: Date }): Promise<boolean> {
  const digest = createHash('sha256').update(options.inboundMessageId).digest('base64url');
  try {
    await ctx.db.send(
      new PutCommand({
        TableName: ctx.config.tables.records,
        Item: { pk: `RREPLY#${digest}`, sk: 'A', entity: 'inbound-reply-guard', at: options.at.toISOString(), expiresAt: Math.floor(options.at.getTime() / 1000) + GUARD_TTL_SECONDS },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
