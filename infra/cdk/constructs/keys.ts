import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Sidecar's customer-managed keys, rotated yearly and retained when the stack goes:
 * - `data` encrypts the tables (PHI) and the dead-letter queues;
 * - `logs` encrypts CloudWatch Logs, whose service needs a key-policy grant of its own, kept off
 *   the data key so the logs service can never use the key that protects PHI.
 */
export class SidecarKeys extends Construct {
  readonly data: kms.Key;
  readonly logs: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);

    this.data = new kms.Key(this, 'Data', {
      description: 'Sidecar data: DynamoDB tables and dead-letter queues',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.logs = new kms.Key(this, 'Logs', {
      description: 'Sidecar CloudWatch Logs (function logs, API access logs)',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
    this.logs.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsOfThisAccount',
        principals: [new iam.ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*` },
        },
      }),
    );
  }

  /**
   * Lets EventBridge use the data key to write to the encrypted dead-letter queues of this
   * account's rules. EventBridge uses the key on its own behalf, so this belongs in the key policy;
   * it is scoped by source ARN pattern rather than by rule, because the rules depend (through their
   * queues) on this key and naming them here would be a dependency cycle. Each queue's own policy
   * still admits only the rule that targets it.
   */
  allowEventBridgeDeadLetters(): void {
    const { region, account, partition } = Stack.of(this);
    this.data.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowEventBridgeDeadLettersOfThisAccount',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:events:${region}:${account}:rule/*` },
        },
      }),
    );
  }

  /**
   * Lets End User Messaging SMS publish patients' replies to the encrypted inbound-SMS topic (SNS
   * encrypts with the publisher's use of the key). In the key policy because the service uses the
   * key on its own behalf; scoped to this account's SMS resources (the conditions AWS documents
   * against the confused deputy).
   */
  allowSmsInboundTopic(): void {
    const { region, account, partition } = Stack.of(this);
    this.data.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTwoWaySmsRepliesOfThisAccount',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:sms-voice:${region}:${account}:*` },
        },
      }),
    );
  }
}
