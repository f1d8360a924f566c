import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { z } from 'zod';
import { ENV } from '../../shared/config/env-names';
import { getContext } from '../../shared/context';
import { CONSUMERS, type ConsumerId } from '../../shared/events/catalogue';
import { recordDeadLetter } from '../../shared/inbox/consume-event';
import { errorFields, logger } from '../../shared/logger';

const consumerIds = CONSUMERS.map((c) => c.id) as [ConsumerId, ...ConsumerId[]];
const ZQueueMap = z.record(z.string(), z.enum(consumerIds));

/**
 * Lambda entry: drains the consumers' dead-letter queues (EventBridge delivery failures and
 * handler failures after Lambda's retries) and marks each event's consumer
 * `dead-lettered` on its inbox row, so the console's failed view shows it with a replay button.
 */
export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  const queues = ZQueueMap.parse(JSON.parse(process.env[ENV.deadLetterQueues] ?? '{}'));
  const failures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of event.Records) {
    try {
      const consumerId = queues[record.eventSourceARN];
      if (!consumerId) throw new Error('Dead-letter queue not mapped to a consumer');
      const original = JSON.parse(record.body) as { detail?: unknown };
      // EventBridge (delivery failures) and Lambda (handler failures after its retries) name the
      // attributes differently; both carry PHI-free error text.
      const a = record.messageAttributes;
      const reason = a.ERROR_MESSAGE?.stringValue ?? a.ErrorMessage?.stringValue ?? a.ERROR_CODE?.stringValue ?? a.ErrorCode?.stringValue ?? 'Retries exhausted';
      await recordDeadLetter(getContext(), consumerId, original.detail, `Dead-lettered: ${reason}`);
    } catch (error) {
      logger.error('Could not record a dead letter', errorFields(error));
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures: failures };
}
