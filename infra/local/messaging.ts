import path from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ENV } from '../../shared/config/env-names';
import type { AppContext } from '../../shared/context';
import { errorFields, logger } from '../../shared/logger';
import { applyDeliveryEvent } from '../../shared/reminders/apply-delivery-event';
import { DELIVERY_EVENT_PATTERNS } from '../../shared/reminders/delivery-event';
import { handleInboundSms } from '../../shared/reminders/handle-inbound-sms';
import { LOCAL_CREDENTIALS } from './dynamodb';
import { type EventBridgeEvent, type EventBridgeStandIn, type StandInRule, startEventBridgeStandIn } from './eventbridge-standin';
import type { MessagingStandInEvent } from './messaging-outbox';
import { type SesStandIn, startSesStandIn } from './ses-standin';
import { type SmsStandIn, startSmsStandIn } from './sms-standin';

/** The one target of the default bus's rules here: the delivery-events handler (functions/messaging/delivery-events.ts on AWS). */
const DELIVERY_EVENTS = 'delivery-events';
type DefaultBusTarget = typeof DELIVERY_EVENTS;

/** The default bus's rules, as the CDK stack makes them: one per provider pattern, to the delivery-events handler. */
const DEFAULT_BUS_RULES: readonly StandInRule<DefaultBusTarget>[] = DELIVERY_EVENT_PATTERNS.map((pattern) => ({
  name: `delivery-events-${pattern.source[0]}`,
  consumer: DELIVERY_EVENTS,
  pattern,
}));

/** Local stand-ins for the configuration sets and sender the CDK stack provides on AWS. */
export const LOCAL_MESSAGING = {
  smsConfigurationSet: 'sidecar-sms',
  sesConfigurationSet: 'sidecar-email',
  /** The number reminder texts come from (and patients reply to). */
  originationNumber: '+18005550100',
  emailFrom: 'Sidecar Reminders <reminders@sidecar.local>',
  organizationName: 'Sidecar Health',
} as const;

export interface LocalMessaging {
  sms: SmsStandIn;
  ses: SesStandIn;
  /** The account's default bus, where the providers publish delivery events. */
  defaultBus: EventBridgeStandIn<DefaultBusTarget>;
  /** The configuration the shared code reads (endpoints, configuration sets, sender, organization). */
  env: Record<string, string>;
  /**
   * Hands the context to the routes (see startLocalMessaging); events the stand-ins emitted before
   * (a delivery event of a text sent before a restart) wait for it.
   */
  connect(ctx: AppContext): void;
  stop(): Promise<void>;
}

/**
 * Starts the SMS and SES stand-ins (outboxes persisted as `sms-outbox.json` and `ses-outbox.json`
 * in the data folder) and an EventBridge stand-in playing the account's default bus, and routes
 * their events as AWS does: a delivery event is published to the default bus, whose rules (the
 * CDK stack's) deliver it to applyDeliveryEvent with EventBridge's retries; a patient's text goes
 * to handleInboundSms, as the two-way SMS topic's Lambda does.
 * `organizationName` overrides the local default (SIDECAR_ORGANIZATION_NAME, if the developer set it).
 */
export async function startLocalMessaging(options: { dataDir: string; region: string; organizationName?: string }): Promise<LocalMessaging> {
  let connect!: (ctx: AppContext) => void;
  const context = new Promise<AppContext>((resolve) => {
    connect = resolve;
  });
  const defaultBus = await startEventBridgeStandIn<DefaultBusTarget>({
    busName: 'default',
    rules: DEFAULT_BUS_RULES,
    deliver: async (_target, event) => {
      await applyDeliveryEvent(await context, { source: event.source, 'detail-type': event['detail-type'], detail: event.detail });
    },
    onDeadLetter: (target, event, error) => {
      logger.error('Delivery event dead-lettered', { target, eventId: event.id, detailType: event['detail-type'], ...errorFields(error) });
    },
  });
  const sms = await startSmsStandIn({ file: path.join(options.dataDir, 'sms-outbox.json'), originationNumber: LOCAL_MESSAGING.originationNumber, region: options.region });
  const ses = await startSesStandIn({ file: path.join(options.dataDir, 'ses-outbox.json'), region: options.region });
  const bus = new EventBridgeClient({ region: options.region, endpoint: defaultBus.endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 3 });

  /** What the provider does on AWS: one PutEvents entry on the default bus; a failed entry is an error. */
  const publish = async (event: EventBridgeEvent) => {
    const result = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'default',
            Source: event.source,
            DetailType: event['detail-type'],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources,
            Time: new Date(event.time),
          },
        ],
      }),
    );
    if (result.FailedEntryCount) throw new Error(`PutEvents refused the delivery event (${result.Entries?.[0]?.ErrorCode ?? 'unknown'})`);
  };

  const listener = async (event: MessagingStandInEvent) => {
    if (event.kind === 'delivery') await publish(event.event);
    else await handleInboundSms(await context, event.payload);
  };
  const unsubscribe = [sms.onEvent(listener), ses.onEvent(listener)];

  return {
    sms,
    ses,
    defaultBus,
    env: {
      [ENV.smsEndpoint]: sms.endpoint,
      [ENV.sesEndpoint]: ses.endpoint,
      [ENV.smsConfigurationSet]: LOCAL_MESSAGING.smsConfigurationSet,
      [ENV.smsOriginationIdentity]: LOCAL_MESSAGING.originationNumber,
      [ENV.sesConfigurationSet]: LOCAL_MESSAGING.sesConfigurationSet,
      [ENV.emailFrom]: LOCAL_MESSAGING.emailFrom,
      [ENV.organizationName]: options.organizationName || LOCAL_MESSAGING.organizationName,
    },
    connect,
    stop: async () => {
      for (const off of unsubscribe) off();
      await Promise.allSettled([sms.stop(), ses.stop()]);
      await defaultBus.stop();
      bus.destroy();
    },
  };
}
