import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  CONSUMERS,
  DELIVERY_POLICY,
  type ConsumerId,
  type EventPattern,
  type RuleDefinition,
} from '../../../shared/events/catalogue';
import type { SidecarFunction } from './sidecar-function';

export interface EventRoutingProps {
  /** Customer-managed key for the queues; its policy must admit EventBridge (see SidecarKeys). */
  readonly key: kms.IKey;
  /**
   * Visibility timeout of the consumer dead-letter queues: at least the dead-letter recorder's
   * timeout (AWS recommends six times it) so a message is not redelivered while being recorded.
   */
  readonly deadLetterVisibilityTimeout: Duration;
}

/** Receives after this many failed attempts to record it move a dead letter to the last-resort queue. */
const RECORD_ATTEMPTS = 5;

/** Catalogue pattern keys (EventBridge's wire names) → CDK's EventPattern property names. */
const PATTERN_KEYS: Record<string, keyof events.EventPattern> = {
  source: 'source',
  'detail-type': 'detailType',
  detail: 'detail',
  account: 'account',
  region: 'region',
  resources: 'resources',
  time: 'time',
  id: 'id',
  version: 'version',
};

/** Translates a catalogue pattern to CDK's shape; it renders back to exactly the catalogue's JSON. */
export function toCdkEventPattern(pattern: EventPattern): events.EventPattern {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pattern)) {
    const cdkKey = PATTERN_KEYS[key];
    if (!cdkKey) throw new Error(`Unsupported top-level event pattern key "${key}"`);
    out[cdkKey] = Array.isArray(value) ? [...value] : value;
  }
  return out as events.EventPattern;
}

/**
 * Sidecar's event plumbing on AWS: the custom bus, one dead-letter queue per consumer, and a
 * last-resort queue. A consumer's dead-letter queue receives the events that EventBridge could not
 * deliver to it (after the catalogue's retry policy) and, as the Lambda function's own dead-letter
 * queue, the events whose handling still failed after Lambda's asynchronous retries: in both cases
 * the message body is the EventBridge event. The dead-letter recorder drains these queues; what it
 * cannot record after a few attempts moves on to the last-resort queue, which also takes the
 * schedule ticks EventBridge could not deliver. Nothing consumes the last-resort queue: it is for
 * operators. Every queue is encrypted with the customer-managed key and refuses non-TLS requests.
 */
export class EventRouting extends Construct {
  readonly bus: events.EventBus;
  readonly lastResortQueue: sqs.Queue;
  private readonly deadLetterQueues = new Map<ConsumerId, sqs.Queue>();

  constructor(scope: Construct, id: string, props: EventRoutingProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', {
      description: 'Sidecar: accepted EHR change events (thin: ids and versions, never PHI)',
    });

    const queueDefaults: sqs.QueueProps = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.key,
      dataKeyReuse: Duration.hours(1),
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    };
    this.lastResortQueue = new sqs.Queue(this, 'LastResort', queueDefaults);

    for (const consumer of CONSUMERS) {
      this.deadLetterQueues.set(
        consumer.id,
        new sqs.Queue(this, `${consumer.id}-dead-letters`, {
          ...queueDefaults,
          visibilityTimeout: props.deadLetterVisibilityTimeout,
          deadLetterQueue: { queue: this.lastResortQueue, maxReceiveCount: RECORD_ATTEMPTS },
        }),
      );
    }
  }

  /** The dead-letter queue of one consumer (also that consumer function's own dead-letter queue). */
  deadLetterQueue(consumerId: ConsumerId): sqs.Queue {
    const queue = this.deadLetterQueues.get(consumerId);
    if (!queue) throw new Error(`No dead-letter queue for consumer ${consumerId}`);
    return queue;
  }

  /** Every consumer dead-letter queue with the consumer it belongs to. */
  consumerDeadLetterQueues(): Array<{ consumerId: ConsumerId; queue: sqs.Queue }> {
    return [...this.deadLetterQueues].map(([consumerId, queue]) => ({ consumerId, queue }));
  }

  /**
   * One EventBridge rule for one catalogue entry, on the custom bus, targeting the consumer's
   * function with the catalogue's delivery policy and the consumer's dead-letter queue.
   */
  addRule(rule: RuleDefinition, consumer: SidecarFunction): events.Rule {
    return new events.Rule(this, rule.name, {
      eventBus: this.bus,
      description: `Sidecar ${rule.name}: delivers to the ${rule.consumer} consumer`,
      eventPattern: toCdkEventPattern(rule.pattern),
      targets: [
        new targets.LambdaFunction(consumer.function, {
          retryAttempts: DELIVERY_POLICY.retryAttempts,
          maxEventAge: Duration.seconds(DELIVERY_POLICY.maximumEventAgeSeconds),
          deadLetterQueue: this.deadLetterQueue(rule.consumer),
        }),
      ],
    });
  }

  /**
   * A scheduled invocation (default bus). A tick older than a minute is superseded by the next
   * one, so it is retried only within that minute; an undeliverable tick goes to the last-resort
   * queue, where it signals a broken schedule rather than lost work.
   */
  addSchedule(id: string, fn: SidecarFunction, schedule: events.Schedule, description: string): events.Rule {
    return new events.Rule(this, id, {
      schedule,
      description,
      targets: [
        new targets.LambdaFunction(fn.function, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(1),
          deadLetterQueue: this.lastResortQueue,
        }),
      ],
    });
  }

  /**
   * A rule on the account's default bus, where AWS services publish their own events (SMS and
   * email delivery statuses), targeting `fn` with the catalogue's delivery policy; what cannot be
   * delivered goes to the last-resort queue, as the function's own dead letters do.
   */
  addServiceEventRule(id: string, pattern: EventPattern, fn: SidecarFunction, description: string): events.Rule {
    return new events.Rule(this, id, {
      description,
      eventPattern: toCdkEventPattern(pattern),
      targets: [
        new targets.LambdaFunction(fn.function, {
          retryAttempts: DELIVERY_POLICY.retryAttempts,
          maxEventAge: Duration.seconds(DELIVERY_POLICY.maximumEventAgeSeconds),
          deadLetterQueue: this.lastResortQueue,
        }),
      ],
    });
  }
}
