import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { acknowledge, addNagChecks, nagFindings } from '../../infra/cdk/nag';
import { buildSidecar, type BuiltSidecar } from './sidecar-app-fixture';

/** Every acknowledgement recorded in a construct tree: rule id, reason, where. */
function acknowledgements(root: IConstruct): Array<{ id: string; reason: string; path: string }> {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

/** A stack that breaks the rules on purpose: an open bucket, an unencrypted queue, a `*` function. */
function deliberatelyBadApp(): { app: App; bucket: s3.Bucket } {
  // CloudFormation schema validation is not what this canary is about (and takes seconds).
  const app = new App({ builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Bad', { env: { region: 'us-east-1' } });
  const bucket = new s3.Bucket(stack, 'OpenBucket', {
    blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false }),
  });
  new sqs.Queue(stack, 'PlainQueue', { encryption: sqs.QueueEncryption.UNENCRYPTED });
  const fn = new lambda.Function(stack, 'Everything', {
    runtime: lambda.Runtime.NODEJS_20_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => {};'),
  });
  fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['*'], resources: ['*'] }));
  return { app, bucket };
}

describe('cdk-nag (AwsSolutions + HIPAA.Security)', () => {
  // The packs walk the construct tree, so no synthesis is needed here; sidecar-stack.test.ts
  // synthesises, which runs the same packs as validation plugins.
  let sidecar: BuiltSidecar;
  beforeAll(() => {
    sidecar = buildSidecar();
  });
  afterAll(() => sidecar?.cleanUp());

  test('the Sidecar stack has no unacknowledged finding, error or warning', () => {
    expect(nagFindings(sidecar.app)).toEqual([]);
  });

  test('every acknowledgement carries a specific reason', () => {
    const acks = acknowledgements(sidecar.app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect({ id: ack.id, path: ack.path, reason: ack.reason }).toEqual({
        id: ack.id,
        path: ack.path,
        reason: expect.stringMatching(/^.{40,}$/s),
      });
    }
  });

  test('the acknowledged rules are the reviewed set (adding one means updating this list and ADR 010 or 060)', () => {
    const ruleIds = new Set(
      acknowledgements(sidecar.app).map((ack) =>
        ack.id
          .replace(/\[Resource::arn:.*:secret:sidecar\/webhook-source\/\*\]$/, '[Resource::<webhook-source secrets>]')
          .replace(/\[Resource::(?!\*\]|<webhook-source secrets>\]).*\]$/, '[Resource::<bucket object>]'),
      ),
    );
    expect([...ruleIds].sort()).toEqual(
      [
        'AwsSolutions-APIG4',
        'AwsSolutions-CFR1',
        'AwsSolutions-CFR4',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<bucket object>]',
        'AwsSolutions-IAM5[Resource::<webhook-source secrets>]',
        'AwsSolutions-L1',
        'HIPAA.Security-LambdaConcurrency',
        'HIPAA.Security-LambdaDLQ',
        'HIPAA.Security-LambdaInsideVPC',
        'HIPAA.Security-S3BucketLoggingEnabled',
        'HIPAA.Security-S3BucketReplicationEnabled',
        'HIPAA.Security-S3DefaultEncryptionKMS',
        'AwsSolutions-S1',
      ].sort(),
    );
  });
});

describe('canary: the nag check fails a stack that breaks the rules', () => {
  test('findings are reported for an open bucket, an unencrypted queue and a "*" function', () => {
    const { app } = deliberatelyBadApp();
    const rules = new Set(nagFindings(app).map((finding) => finding.rule));
    for (const expected of [
      'AwsSolutions-S1', // no access logs
      'AwsSolutions-S10', // TLS not required
      'AwsSolutions-SQS2', // queue not encrypted
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Action::*]',
      'AwsSolutions-IAM5[Resource::*]',
      'HIPAA.Security-IAMPolicyNoStatementsWithAdminAccess',
      'HIPAA.Security-LambdaConcurrency',
      'HIPAA.Security-S3BucketPublicReadProhibited',
    ]) {
      expect({ expected, reported: rules.has(expected) }).toEqual({ expected, reported: true });
    }
  });

  test('synthesis with the packs registered fails', () => {
    const { app } = deliberatelyBadApp();
    addNagChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-S10/);
  });

  test('an acknowledgement silences exactly the acknowledged rule on exactly that resource', () => {
    const { app, bucket } = deliberatelyBadApp();
    acknowledge(bucket, [['AwsSolutions-S1', 'Canary: this bucket is the one deliberately left without access logs.']]);
    const rules = nagFindings(app).map((finding) => finding.rule);
    expect(rules).not.toContain('AwsSolutions-S1');
    expect(rules).toContain('AwsSolutions-S10');
  });

  test('an acknowledgement without a real reason is refused', () => {
    const { bucket } = deliberatelyBadApp();
    expect(() => acknowledge(bucket, [['AwsSolutions-S1', 'ok']])).toThrow(/reason/);
  });
});
