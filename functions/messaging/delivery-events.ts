import type { EventBridgeEvent } from 'aws-lambda';
import { getContext } from '../../shared/context';
import { type AppliedDeliveryEvent, applyDeliveryEvent } from '../../shared/reminders/apply-delivery-event';

/**
 * Lambda entry for the delivery-event rules (DELIVERY_EVENT_PATTERNS): an SMS or SES delivery
 * event from EventBridge applied to its reminder. A storage error throws, so EventBridge retries.
 */
export async function handler(event: EventBridgeEvent<string, unknown>): Promise<AppliedDeliveryEvent> {
  return applyDeliveryEvent(getContext(), { source: event.source, 'detail-type': event['detail-type'], detail: event.detail });
}
