import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { TABLES } from '../../shared/db/tables';
import { CONSUMERS, DELIVERY_POLICY, RULES } from '../../shared/events/catalogue';
import { DELIVERY_EVENT_PATTERNS } from '../../shared/reminders/delivery-event';
import { SIDECAR_REGION } from '../../infra/cdk/sidecar-app';
import type { SidecarStack } from '../../infra/cdk/sidecar-stack';
import {
  asArray,
  identityStatements,
  refersTo,
  synthesiseSidecar,
  type SynthesisedSidecar,
} from './sidecar-app-fixture';

type Json = Record<string, any>;

let sidecar: SynthesisedSidecar;
let template: Template;
let stack: SidecarStack;

beforeAll(() => {
  sidecar = synthesiseSidecar();
  template = sidecar.template;
  stack = sidecar.stack;
});
afterAll(() => sidecar?.cleanUp());

const logicalId = (construct: IConstruct): string =>
  stack.getLogicalId((CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource);
const resourcesOf = (type: string): Record<string, Json> => template.findResources(type) as Record<string, Json>;

/** Sidecar's own functions: everything but the CDK-provided BucketDeployment handler. */
function sidecarFunctions(): Record<string, Json> {
  return Object.fromEntries(
    Object.entries(resourcesOf('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('CustomCDKBucketDeployment')),
  );
}

describe('DynamoDB tables', () => {
  test('one GlobalTable per TABLES entry, shaped by it: keys, GSIs (projection ALL), TTL, on demand', () => {
    const tables = resourcesOf('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(TABLES.length);
    for (const definition of TABLES) {
      const id = logicalId(stack.data[definition.id].table);
      const props = tables[id]!.Properties;
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.KeySchema).toEqual([
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      expect(props.GlobalSecondaryIndexes).toEqual(
        definition.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      expect(props.TimeToLiveSpecification).toEqual(
        definition.ttlAttribute ? { AttributeName: definition.ttlAttribute, Enabled: true } : undefined,
      );
    }
  });

  test('every table: customer-managed rotating key, point-in-time recovery, deletion protection, retained', () => {
    const keys = resourcesOf('AWS::KMS::Key');
    for (const [id, table] of Object.entries(resourcesOf('AWS::DynamoDB::GlobalTable'))) {
      expect({ id, deletion: table.DeletionPolicy, replace: table.UpdateReplacePolicy }).toEqual({
        id,
        deletion: 'Retain',
        replace: 'Retain',
      });
      expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.Properties.Replicas.length).toBeGreaterThan(0);
      for (const replica of table.Properties.Replicas) {
        const keyRef = replica.SSESpecification?.KMSMasterKeyId;
        expect(keyRef).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
        const key = keys[keyRef['Fn::GetAtt'][0]];
        expect(key?.Properties.EnableKeyRotation).toBe(true);
        expect(key?.DeletionPolicy).toBe('Retain');
        expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(replica.DeletionProtectionEnabled).toBe(true);
      }
    }
  });

  test('the append-only audit table itself denies updates, deletes and batch writes to every principal', () => {
    const audit = resourcesOf('AWS::DynamoDB::GlobalTable')[logicalId(stack.data.audit.table)]!;
    for (const replica of audit.Properties.Replicas) {
      expect(replica.ResourcePolicy.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']),
        }),
      );
    }
  });
});

describe('IAM', () => {
  test('audit table: only the api and console touch it, with PutItem and Query; nothing may Update, Delete or BatchWrite it', () => {
    const auditId = logicalId(stack.data.audit.table);
    const rewriting = /^(\*|dynamodb:\*|dynamodb:(UpdateItem|DeleteItem|BatchWriteItem|PartiQL\w*))$/;
    const actionsByPolicy = new Map<string, Set<string>>();
    for (const { policyId, statement } of identityStatements(template)) {
      if (statement.Effect !== 'Allow' || !refersTo(statement.Resource, auditId)) continue;
      for (const action of asArray(statement.Action)) {
        expect({ policyId, action }).toEqual({ policyId, action: expect.not.stringMatching(rewriting) });
        actionsByPolicy.set(policyId, (actionsByPolicy.get(policyId) ?? new Set()).add(action));
      }
    }
    const policyOf = (fn: { role: { grantsPolicy: IConstruct } }) => logicalId(fn.role.grantsPolicy);
    const { api, console: consoleFn } = stack.functions;
    expect([...actionsByPolicy.keys()].sort()).toEqual([policyOf(api), policyOf(consoleFn)].sort());
    for (const [policyId, actions] of actionsByPolicy) {
      expect({ policyId, actions: [...actions].sort() }).toEqual({ policyId, actions: ['dynamodb:PutItem', 'dynamodb:Query'] });
    }
  });

  test('nothing may Scan, and no DynamoDB or KMS action is granted with a wildcard', () => {
    for (const { policyId, statement } of identityStatements(template)) {
      for (const action of asArray(statement.Action)) {
        expect({ policyId, action }).not.toEqual({ policyId, action: 'dynamodb:Scan' });
        if (/^(dynamodb|kms):/.test(action)) expect({ policyId, action }).toEqual({ policyId, action: expect.not.stringContaining('*') });
      }
    }
  });

  test('the only actions allowed on Resource "*" are X-Ray trace writes', () => {
    for (const { policyId, statement } of identityStatements(template)) {
      if (statement.Effect !== 'Allow' || !asArray(statement.Resource).includes('*')) continue;
      expect({ policyId, actions: asArray(statement.Action).sort() }).toEqual({
        policyId,
        actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      });
    }
  });

  test('roles carry no inline policies and no AWS managed policies', () => {
    expect(resourcesOf('AWS::IAM::Policy')).toEqual({});
    for (const role of Object.values(resourcesOf('AWS::IAM::Role'))) {
      expect(role.Properties.Policies).toBeUndefined();
      expect(JSON.stringify(role.Properties.ManagedPolicyArns ?? [])).not.toContain(':iam::aws:policy/');
    }
  });
});

describe('Lambda functions', () => {
  test('every Sidecar function: nodejs24.x, arm64, active tracing, reserved concurrency, JSON logs to its own log group', () => {
    const functions = sidecarFunctions();
    expect(Object.keys(functions)).toHaveLength(3 + CONSUMERS.length + 6); // + dead-letter recorder, three sweeps, delivery events, inbound SMS
    for (const [id, fn] of Object.entries(functions)) {
      const p = fn.Properties;
      expect({ id, runtime: p.Runtime, arch: p.Architectures, tracing: p.TracingConfig }).toEqual({
        id,
        runtime: 'nodejs24.x',
        arch: ['arm64'],
        tracing: { Mode: 'Active' },
      });
      expect(p.ReservedConcurrentExecutions).toBeGreaterThan(0);
      expect(p.LoggingConfig).toEqual(expect.objectContaining({ LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } }));
      const logGroup = resourcesOf('AWS::Logs::LogGroup')[p.LoggingConfig.LogGroup.Ref];
      expect(logGroup?.Properties).toEqual(
        expect.objectContaining({ RetentionInDays: expect.any(Number), KmsKeyId: expect.anything() }),
      );
    }
  });

  test('every Sidecar function gets every table name and the bus name, and no dev-user variable', () => {
    for (const [id, fn] of Object.entries(sidecarFunctions())) {
      const variables = fn.Properties.Environment.Variables as Json;
      for (const name of [ENV.recordsTable, ENV.inboxTable, ENV.auditTable, ENV.eventBusName]) {
        expect({ id, name, set: name in variables }).toEqual({ id, name, set: true });
      }
      expect({ id, devUser: Object.keys(variables).filter((name) => name.includes('DEV_USER')) }).toEqual({ id, devUser: [] });
    }
  });

  test('each consumer function dead-letters to its own queue, the same its rule uses', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    for (const consumer of CONSUMERS) {
      const fn = stack.functions.consumers.get(consumer.id)!;
      const queueId = logicalId(stack.routing.deadLetterQueue(consumer.id));
      expect(functions[logicalId(fn.function)]!.Properties.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      });
    }
  });

  test('the dead-letter recorder polls every consumer queue and knows which consumer each belongs to', () => {
    const recorderId = logicalId(stack.functions.deadLetterRecorder.function);
    const mappings = Object.values(resourcesOf('AWS::Lambda::EventSourceMapping')).filter(
      (m) => m.Properties.FunctionName.Ref === recorderId,
    );
    const map = JSON.stringify(sidecarFunctions()[recorderId]!.Properties.Environment.Variables[ENV.deadLetterQueues]);
    expect(mappings).toHaveLength(CONSUMERS.length);
    for (const consumer of CONSUMERS) {
      const queueId = logicalId(stack.routing.deadLetterQueue(consumer.id));
      expect(mappings.some((m) => refersTo(m.Properties.EventSourceArn, queueId))).toBe(true);
      expect(map).toContain(`"${queueId}"`);
      expect(map).toContain(`\\":\\"${consumer.id}\\"`);
    }
    // Its reservation covers exactly all its pollers, so a new consumer can never leave them throttled.
    const pollers = mappings.reduce((n, m) => n + Number(m.Properties.ScalingConfig?.MaximumConcurrency ?? 0), 0);
    expect(pollers).toBe(CONSUMERS.length * 2);
    expect(sidecarFunctions()[recorderId]!.Properties.ReservedConcurrentExecutions).toBe(pollers);
  });
});

describe('Events', () => {
  test('one rule per RULES entry on the custom bus, with the catalogue pattern, targeting its consumer', () => {
    const busId = logicalId(stack.routing.bus);
    const rules = Object.values(resourcesOf('AWS::Events::Rule')).filter((r) => r.Properties.EventBusName);
    expect(rules).toHaveLength(RULES.length);
    for (const rule of RULES) {
      const fnId = logicalId(stack.functions.consumers.get(rule.consumer)!.function);
      const matching = rules.filter((r) => refersTo(r.Properties.Targets, fnId));
      expect(matching).toHaveLength(1);
      expect(matching[0]!.Properties.EventBusName).toEqual({ Ref: busId });
      expect(matching[0]!.Properties.EventPattern).toEqual(rule.pattern);
      expect(matching[0]!.Properties.Targets[0].RetryPolicy).toEqual({
        MaximumRetryAttempts: DELIVERY_POLICY.retryAttempts,
        MaximumEventAgeInSeconds: DELIVERY_POLICY.maximumEventAgeSeconds,
      });
    }
  });

  test('every rule target has a retry policy and a dead-letter queue', () => {
    const rules = resourcesOf('AWS::Events::Rule');
    expect(Object.keys(rules)).toHaveLength(RULES.length + 3 + DELIVERY_EVENT_PATTERNS.length); // the catalogue's, three sweeps' schedules, delivery events
    for (const [id, rule] of Object.entries(rules)) {
      for (const target of rule.Properties.Targets) {
        expect({ id, retry: target.RetryPolicy, dlq: target.DeadLetterConfig }).toEqual({
          id,
          retry: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
          dlq: { Arn: expect.anything() },
        });
      }
    }
  });

  test('the republish sweep runs every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.functions.republishSweep.function), 'Arn'] } })],
    });
  });

  test('the SLA breach sweep runs every minute', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(stack.functions.slaBreachSweep.function), 'Arn'] } })],
    });
  });

  test('the SLA breach sweep may touch the records table (and its key) only: no other table, bus or secret', () => {
    const policyId = logicalId(stack.functions.slaBreachSweep.role.grantsPolicy);
    const statements = identityStatements(template).filter((entry) => entry.policyId === policyId).map((entry) => entry.statement);
    const recordsId = logicalId(stack.data.records.table);
    const recordsKeyId = logicalId(stack.data.records.key);
    const dataActions = statements.filter((s) => asArray(s.Action).some((a) => /^(dynamodb|kms|events|secretsmanager):/.test(a)));
    expect(dataActions.length).toBeGreaterThan(0);
    for (const statement of dataActions) {
      const onRecords = refersTo(statement.Resource, recordsId) || refersTo(statement.Resource, recordsKeyId);
      expect({ actions: statement.Action, onRecords }).toEqual({ actions: statement.Action, onRecords: true });
    }
    const actions = dataActions.flatMap((s) => asArray(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']));
    expect(actions.filter((a) => /^(events|secretsmanager):/.test(a))).toEqual([]);
  });

  test('every queue is KMS-encrypted and refuses requests without TLS', () => {
    const policies = Object.values(resourcesOf('AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(resourcesOf('AWS::SQS::Queue'))) {
      expect({ id, key: queue.Properties.KmsMasterKeyId }).toEqual({ id, key: expect.anything() });
      const denyInsecure = policies.some(
        (p) =>
          refersTo(p.Properties.Queues, id) &&
          p.Properties.PolicyDocument.Statement.some(
            (s: Json) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
      );
      expect({ id, denyInsecure }).toEqual({ id, denyInsecure: true });
    }
  });
});

describe('HTTP API and CloudFront', () => {
  test('routes: /api/{proxy+} → api, /webhooks/{proxy+} → webhooks, $default → console', () => {
    const routes = Object.values(resourcesOf('AWS::ApiGatewayV2::Route'));
    const integrations = resourcesOf('AWS::ApiGatewayV2::Integration');
    const expected: Array<[string, IConstruct]> = [
      ['ANY /api/{proxy+}', stack.functions.api.function],
      ['ANY /webhooks/{proxy+}', stack.functions.webhooks.function],
      ['$default', stack.functions.console.function],
    ];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(expected.map(([key]) => key).sort());
    for (const [routeKey, fn] of expected) {
      const route = routes.find((r) => r.Properties.RouteKey === routeKey)!;
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
      expect(refersTo(integrations[integrationId]!.Properties.IntegrationUri, logicalId(fn))).toBe(true);
    }
  });

  test('the API stage writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
    });
  });

  test('CloudFront: HTTPS only, WAF, logs; /assets/* from S3 via OAC, the rest uncached from the API', () => {
    const [distribution] = Object.values(resourcesOf('AWS::CloudFront::Distribution'));
    const config = distribution!.Properties.DistributionConfig;
    expect(config.WebACLId).toEqual({ 'Fn::GetAtt': [logicalId(stack.firewall.webAcl), 'Arn'] });
    expect(config.Logging).toEqual(expect.objectContaining({ Bucket: expect.anything() }));

    const s3Origin = config.Origins.find((o: Json) => o.S3OriginConfig);
    const apiOrigin = config.Origins.find((o: Json) => o.CustomOriginConfig);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
    expect(apiOrigin.CustomOriginConfig).toEqual(
      expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
    );

    const assets = config.CacheBehaviors.find((b: Json) => b.PathPattern === '/assets/*');
    expect(assets.TargetOriginId).toBe(s3Origin.Id);
    const dynamic = config.DefaultCacheBehavior;
    expect(dynamic.TargetOriginId).toBe(apiOrigin.Id);
    expect(dynamic.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    expect(dynamic.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac'); // Managed-AllViewerExceptHostHeader
    expect(dynamic.AllowedMethods).toEqual(expect.arrayContaining(['POST', 'PUT', 'PATCH', 'DELETE']));
    for (const behavior of [dynamic, ...config.CacheBehaviors]) {
      expect(behavior.ViewerProtocolPolicy).toBe('https-only');
      expect(behavior.ResponseHeadersPolicyId).toBeDefined();
    }
  });

  test('every behaviour adds HSTS (preload), nosniff and same-origin referrers, and leaves framing and CSP to the console', () => {
    const policies = resourcesOf('AWS::CloudFront::ResponseHeadersPolicy');
    const [distribution] = Object.values(resourcesOf('AWS::CloudFront::Distribution'));
    const config = distribution!.Properties.DistributionConfig;
    const behaviours = [config.DefaultCacheBehavior, ...config.CacheBehaviors];
    for (const behaviour of behaviours) {
      const policy = policies[behaviour.ResponseHeadersPolicyId.Ref];
      expect({ path: behaviour.PathPattern, policy: Boolean(policy) }).toEqual({ path: behaviour.PathPattern, policy: true });
      const security = policy!.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(security.StrictTransportSecurity).toEqual({
        AccessControlMaxAgeSec: expect.any(Number),
        IncludeSubdomains: true,
        Preload: true,
        Override: true,
      });
      expect(security.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(31536000);
      expect(security.ContentTypeOptions).toEqual({ Override: true });
      // A default: the reminder pages' own no-referrer must survive.
      expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'same-origin', Override: false });
      // An EHR may frame the console (SMART launch): the app sends CSP frame-ancestors itself.
      expect(security.FrameOptions).toBeUndefined();
      expect(security.ContentSecurityPolicy).toBeUndefined();
    }
  });

  test('buckets block public access, require TLS, and the assets bucket logs its access', () => {
    const buckets = resourcesOf('AWS::S3::Bucket');
    const policies = Object.values(resourcesOf('AWS::S3::BucketPolicy'));
    for (const [id, bucket] of Object.entries(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toBeDefined();
      const tlsOnly = policies.some(
        (p) =>
          refersTo(p.Properties.Bucket, id) &&
          p.Properties.PolicyDocument.Statement.some(
            (s: Json) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
          ),
      );
      expect({ id, tlsOnly }).toEqual({ id, tlsOnly: true });
    }
    expect(buckets[logicalId(stack.edge.assetsBucket)]!.Properties.LoggingConfiguration).toBeDefined();
  });

  test('the web ACL is CloudFront-scoped, so the stack is in us-east-1', () => {
    expect(stack.region).toBe(SIDECAR_REGION);
    expect(SIDECAR_REGION).toBe('us-east-1');
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Scope: 'CLOUDFRONT' });
    template.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 1);
  });

  test('the client build is uploaded to the assets bucket without pruning old hashed files', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalId(stack.edge.assetsBucket) },
      Prune: false,
    });
  });
});

test('synthesis raises no warnings or errors', () => {
  Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
});

describe('console behind CloudFront', () => {
  it('forwards the viewer host as x-forwarded-host so Remix form posts pass its origin check', () => {
    const fns = template.findResources('AWS::CloudFront::Function');
    const code = Object.values(fns).map((f) => JSON.stringify(f));
    expect(code.some((c) => c.includes('x-forwarded-host'))).toBe(true);
  });
});
