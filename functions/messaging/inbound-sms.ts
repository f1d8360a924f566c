import type { SNSEvent } from 'aws-lambda';
import { z } from 'zod';
import { getContext } from '../../shared/context';
import { logger } from '../../shared/logger';
import { handleInboundSms, ZInboundSmsPayload } from '../../shared/reminders/handle-inbound-sms';

const ZSnsEvent = z.object({ Records: z.array(z.object({ Sns: z.object({ Message: z.string() }) })) });

function parseMessage(message: string): unknown {
  try {
    return JSON.parse(message);
  } catch {
    return undefined;
  }
}

/**
 * Lambda entry for the two-way SMS topic: each SNS record's `Message` is End User Messaging SMS's
 * inbound-text JSON, handed to handleInboundSms. A record that does not parse is logged (without
 * its content) and dropped: retrying cannot fix it.
 */
export async function handler(event: SNSEvent): Promise<void> {
  for (const record of ZSnsEvent.parse(event).Records) {
    const payload = ZInboundSmsPayload.safeParse(parseMessage(record.Sns.Message));
    if (!payload.success) {
      logger.warn('Inbound SMS notification dropped: not the two-way SMS payload');
      continue;
    }
    await handleInboundSms(getContext(), payload.data);
  }
}
