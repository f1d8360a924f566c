import type { EventBridgeEvent } from 'aws-lambda';
import { getContext } from '../../shared/context';
import type { ConsumerId } from '../../shared/events/catalogue';
import { consumeEvent } from '../../shared/inbox/consume-event';

/** A Lambda handler for one catalogue consumer: EventBridge event in, `consumeEvent` out. */
export function consumerHandler(consumerId: ConsumerId) {
  return async (event: EventBridgeEvent<string, unknown>): Promise<void> => {
    await consumeEvent(getContext(), consumerId, { id: event.id, detail: event.detail });
  };
}
