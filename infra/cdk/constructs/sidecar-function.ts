import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../../shared/config/env-names';
import { acknowledge, acknowledgeWildcards } from '../nag';
import type { SidecarTable, TableAccess } from './data-tables';
import { LeastPrivilegeRole } from './least-privilege-role';

/**
 * ESM bundles have no `require`, yet CommonJS code bundled into one still calls it for Node
 * built-ins. The aliased import keeps the banner from clashing with names in the bundle.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __sidecarCreateRequire } from 'node:module';" +
  'const require = __sidecarCreateRequire(import.meta.url);';

/**
 * How a function is invoked, which decides what happens to a failed invocation:
 * - `http`: synchronously by API Gateway; the caller gets the error, there is nothing to dead-letter;
 * - `queue`: by an SQS event source; a failed message returns to its queue and that queue's redrive
 *   policy dead-letters it;
 * - `async`: asynchronously (EventBridge rules and schedules); a dead-letter queue is required.
 */
export type Invocation = 'http' | 'queue' | 'async';

/**
 * Node's own option variable (not a Sidecar setting, hence not in ENV): stack traces in the logs
 * point at the TypeScript sources through the bundle's source map.
 */
const NODE_OPTIONS = { name: 'NODE_OPTIONS', value: '--enable-source-maps' } as const;

export interface SidecarFunctionProps {
  /** Absolute path of the repository root (package.json, package-lock.json, tsconfig.json). */
  readonly projectRoot: string;
  /** Entry file relative to the project root, e.g. `functions/api/handler.ts`; it exports `handler`. */
  readonly entry: string;
  /** Powertools service name (`POWERTOOLS_SERVICE_NAME`). */
  readonly serviceName: string;
  readonly description: string;
  /**
   * Concurrency reserved for (and capping) this function, so one busy path cannot starve the
   * others and a runaway loop has a ceiling.
   */
  readonly reservedConcurrency: number;
  readonly invocation: Invocation;
  /** Key for the function's log group; its key policy must admit CloudWatch Logs. */
  readonly logEncryptionKey: kms.IKey;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** @default one year */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Queue receiving the event of an asynchronous invocation that still failed after Lambda's own
   * retries. Required for, and only for, `async` invocation.
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** Lambda's retries of a failed asynchronous invocation (0–2). */
  readonly asyncRetryAttempts?: number;
  /** Age after which Lambda stops retrying a queued asynchronous invocation and dead-letters it. */
  readonly asyncMaxEventAge?: Duration;
}

/**
 * Sidecar's one Lambda construct: Node 24 on ARM64, minified ESM with source maps, the AWS SDK
 * bundled (the lockfile's versions run, not the runtime's), JSON logs to an explicit encrypted log
 * group with a retention, X-Ray tracing and reserved concurrency. Its role starts with nothing but
 * its own log group (no AWS managed policy); configuration and permissions are added together by
 * the `bind*` helpers below.
 */
export class SidecarFunction extends Construct implements iam.IGrantable {
  readonly function: NodejsFunction;
  readonly role: LeastPrivilegeRole;
  readonly logGroup: logs.LogGroup;
  readonly grantPrincipal: iam.IPrincipal;

  constructor(scope: Construct, id: string, props: SidecarFunctionProps) {
    super(scope, id);
    const entry = path.join(props.projectRoot, props.entry);
    if (!existsSync(entry)) {
      throw new Error(`Lambda entry ${props.entry} does not exist under ${props.projectRoot}`);
    }
    if ((props.invocation === 'async') !== (props.deadLetterQueue !== undefined)) {
      throw new Error(`${props.entry}: a dead-letter queue is required for, and only for, asynchronous invocation`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new LeastPrivilegeRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.grantPrincipal = this.role;

    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: path.join(props.projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      tracing: lambda.Tracing.ACTIVE,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.asyncRetryAttempts,
      maxEventAge: props.asyncMaxEventAge,
      environment: {
        [ENV.serviceName]: props.serviceName,
        [ENV.logLevel]: 'INFO',
        [NODE_OPTIONS.name]: NODE_OPTIONS.value,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.EXTERNAL,
        sourcesContent: false,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // Bundle the AWS SDK v3 clients as well: the versions pinned in package-lock.json are the
        // ones that run, and tree-shaking keeps only what a function imports.
        externalModules: [],
        tsconfig: path.join(props.projectRoot, 'tsconfig.json'),
      },
    });

    if (props.deadLetterQueue) grantSendToEncryptedQueue(this, props.deadLetterQueue);

    acknowledge(this, [
      [
        'HIPAA.Security-LambdaInsideVPC',
        'Sidecar functions reach only AWS service APIs (DynamoDB, EventBridge, SQS, KMS, X-Ray) over TLS with IAM-signed requests and hold no network resources; a VPC would add NAT or endpoints without narrowing what they can reach.',
      ],
    ]);
    // X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
    // test/infra asserts that no other action is ever granted on "*".
    acknowledge(this.role, [
      ['AwsSolutions-IAM5[Resource::*]', 'Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which only accept Resource "*".'],
    ]);
    if (props.invocation !== 'async') {
      acknowledge(this, [['HIPAA.Security-LambdaDLQ', NO_DLQ_REASON[props.invocation]]]);
    }
  }

  addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }
}

/**
 * Lambda sends dead letters with the function's role, so the role needs the queue's key as well as
 * sqs:SendMessage; spelled out because the queue's own grant uses kms:GenerateDataKey* and
 * kms:ReEncrypt* wildcards where SQS needs exactly these two.
 */
function grantSendToEncryptedQueue(fn: SidecarFunction, queue: sqs.IQueue): void {
  iam.Grant.addToPrincipal({ grantee: fn, actions: ['sqs:SendMessage'], resourceArns: [queue.queueArn] });
  if (queue.encryptionMasterKey) {
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resourceArns: [queue.encryptionMasterKey.keyArn],
    });
  }
}

const NO_DLQ_REASON: Record<Exclude<Invocation, 'async'>, string> = {
  http: 'Invoked synchronously by API Gateway: a failure is returned to the caller, and a function dead-letter queue only ever receives asynchronous invocations.',
  queue: 'Invoked by an SQS event source: a failed message goes back to its queue, whose redrive policy dead-letters it; a function dead-letter queue would never receive anything.',
};

/** Table id → the environment variable carrying its name. */
const TABLE_ENV: Record<SidecarTable['definition']['id'], string> = {
  records: ENV.recordsTable,
  inbox: ENV.inboxTable,
  audit: ENV.auditTable,
};

const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/**
 * DynamoDB actions per access level. There is deliberately no `dynamodb:Scan` at any level: no
 * request, event or sweep path may scan, and IAM enforces it. Transactions need no actions of
 * their own (TransactWriteItems is authorised item by item as Put/Update/Delete/ConditionCheck).
 */
const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  none: [],
  read: READ_ACTIONS,
  appendQuery: ['dynamodb:PutItem', 'dynamodb:Query'],
  readWrite: [...READ_ACTIONS, ...WRITE_ACTIONS],
};

/** On a global secondary index only Query means anything. */
const INDEX_ACTIONS: Record<TableAccess, readonly string[]> = {
  none: [],
  read: ['dynamodb:Query'],
  appendQuery: ['dynamodb:Query'],
  readWrite: ['dynamodb:Query'],
};

/**
 * KMS actions DynamoDB performs with the caller's credentials on a customer-managed table key,
 * spelled out (CDK's own table grants use `kms:ReEncrypt*` and `kms:GenerateDataKey*`).
 */
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [
  ...KEY_READ_ACTIONS,
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];
const KEY_ACTIONS: Record<TableAccess, readonly string[]> = {
  none: [],
  read: KEY_READ_ACTIONS,
  appendQuery: KEY_WRITE_ACTIONS,
  readWrite: KEY_WRITE_ACTIONS,
};

/**
 * Gives a function a table: sets the env var carrying the table's name and grants exactly the
 * access level asked for, on the table and its named indexes (no `index/*` wildcard). `none` sets
 * the name only: every function gets every name, because the runtime configuration validates them
 * all at start, but a name is not a permission. An append-only table refuses `readWrite`.
 */
export function bindTable(fn: SidecarFunction, table: SidecarTable, access: TableAccess): void {
  const { definition } = table;
  if (definition.appendOnly && access === 'readWrite') {
    throw new Error(`Table ${definition.id} is append-only: grant 'appendQuery' (PutItem and Query), 'read' or 'none'`);
  }
  fn.addEnvironment(TABLE_ENV[definition.id], table.table.tableName);
  if (access === 'none') return;

  iam.Grant.addToPrincipal({ grantee: fn, actions: [...TABLE_ACTIONS[access]], resourceArns: [table.table.tableArn] });
  const indexArns = definition.globalIndexes.map((index) => `${table.table.tableArn}/index/${index.name}`);
  if (INDEX_ACTIONS[access].length > 0 && indexArns.length > 0) {
    iam.Grant.addToPrincipal({ grantee: fn, actions: [...INDEX_ACTIONS[access]], resourceArns: indexArns });
  }
  iam.Grant.addToPrincipal({ grantee: fn, actions: [...KEY_ACTIONS[access]], resourceArns: [table.key.keyArn] });
}

/** Sets the event bus name; `publish` also allows `events:PutEvents` on that bus (and no other). */
export function bindEventBus(fn: SidecarFunction, bus: events.IEventBus, access: 'none' | 'publish'): void {
  fn.addEnvironment(ENV.eventBusName, bus.eventBusName);
  if (access === 'publish') bus.grantPutEventsTo(fn);
}

/**
 * Makes `fn` the dead-letter recorder: it polls every consumer dead-letter queue (reporting
 * per-message failures, so one bad message does not hold back its batch) and learns which consumer
 * each queue belongs to from a JSON map of queue ARN → consumer id.
 */
/** Pollers Lambda runs per dead-letter queue (the SQS event source's maximum concurrency). */
export const DEAD_LETTER_POLLERS_PER_QUEUE = 2;

export function bindDeadLetterQueues(
  fn: SidecarFunction,
  queues: ReadonlyArray<{ consumerId: string; queue: sqs.IQueue }>,
): void {
  const arnToConsumer: Record<string, string> = {};
  for (const { consumerId, queue } of queues) {
    arnToConsumer[queue.queueArn] = consumerId;
    fn.function.addEventSource(
      new SqsEventSource(queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: DEAD_LETTER_POLLERS_PER_QUEUE }),
    );
  }
  fn.addEnvironment(ENV.deadLetterQueues, fn.function.stack.toJsonString(arnToConsumer));
}

/** Name prefix of every secret Sidecar keeps in Secrets Manager (the runtime's default too). */
export const SECRETS_PREFIX = 'sidecar/';

/**
 * Where webhook-source signing secrets live, under SECRETS_PREFIX: one secret per source, named
 * `sidecar/webhook-source/<source id>`. The console creates them at runtime, so the stack holds no
 * secret of its own.
 */
export const WEBHOOK_SOURCE_SECRETS_PATH = 'webhook-source/';

/** `read`: fetch a secret's value. `manage`: also create secrets, store new versions, describe them. */
export type SecretsAccess = 'read' | 'manage';

const SECRET_ACTIONS: Record<SecretsAccess, readonly string[]> = {
  read: ['secretsmanager:GetSecretValue'],
  manage: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret'],
};

/** What Secrets Manager does with the caller's credentials on the secrets' key (envelope encryption). */
const SECRET_KEY_ACTIONS: Record<SecretsAccess, readonly string[]> = {
  read: ['kms:Decrypt'],
  manage: ['kms:Decrypt', 'kms:GenerateDataKey'],
};

/**
 * Gives a function the webhook-source secrets: sets the secrets prefix and key, and grants exactly
 * `access` on `secret:sidecar/webhook-source/*` (the trailing `*` is the random suffix Secrets
 * Manager appends to each name, and the source id). The key may be used only by Secrets Manager, and
 * only for those secrets (`kms:ViaService`, `kms:EncryptionContext:SecretARN`); `manage` may create
 * a secret only under that key (`secretsmanager:KmsKeyArn`), so none lands under the AWS managed
 * key. The key's policy delegates to IAM (account root), so these grants are sufficient.
 */
export function bindSecrets(fn: SidecarFunction, key: kms.IKey, access: SecretsAccess): void {
  const stack = Stack.of(fn);
  fn.addEnvironment(ENV.secretsPrefix, SECRETS_PREFIX);
  fn.addEnvironment(ENV.secretsKmsKeyId, key.keyArn);

  const namePattern = `${SECRETS_PREFIX}${WEBHOOK_SOURCE_SECRETS_PATH}*`;
  const secretArns = stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: namePattern,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({ actions: [...SECRET_ACTIONS[access]], resources: [secretArns] }),
  );
  if (access === 'manage') {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:CreateSecret'],
        resources: [secretArns],
        conditions: { StringEquals: { 'secretsmanager:KmsKeyArn': key.keyArn } },
      }),
    );
  }
  fn.role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: [...SECRET_KEY_ACTIONS[access]],
      resources: [key.keyArn],
      conditions: {
        StringEquals: { 'kms:ViaService': `secretsmanager.${stack.region}.${stack.urlSuffix}` },
        ArnLike: { 'kms:EncryptionContext:SecretARN': secretArns },
      },
    }),
  );
  acknowledgeWildcards(
    fn.role.grantsPolicy.node.defaultChild as CfnResource,
    [new RegExp(`^Resource::arn:(?:<AWS::Partition>|aws[\\w-]*):secretsmanager:[\\w-]+:(?:<AWS::AccountId>|\\d{12}):secret:${escapeRegExp(namePattern)}$`)],
    'Webhook-source secrets are created at runtime, one per EHR source, and Secrets Manager appends a random suffix to each name: the grant is scoped to the sidecar/webhook-source/ name prefix and nothing wider.',
  );
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Sets how EHRs may launch and embed the console: the SMART on FHIR issuers allowed to launch it
 * (JSON array) and the origins allowed to frame it (the console's CSP `frame-ancestors`; unset when
 * none, which leaves the console unframeable except by itself).
 */
export function bindEhrLaunch(
  fn: SidecarFunction,
  settings: { smartIssuers: ReadonlyArray<{ iss: string; clientId: string }>; frameAncestors: readonly string[] },
): void {
  fn.addEnvironment(ENV.smartIssuers, JSON.stringify(settings.smartIssuers));
  if (settings.frameAncestors.length > 0) fn.addEnvironment(ENV.frameAncestors, settings.frameAncestors.join(' '));
}
