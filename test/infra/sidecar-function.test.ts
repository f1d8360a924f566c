import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { ENV } from '../../shared/config/env-names';
import { DataTables } from '../../infra/cdk/constructs/data-tables';
import { bindTable, SidecarFunction, type SidecarFunctionProps } from '../../infra/cdk/constructs/sidecar-function';
import { PROJECT_ROOT } from './sidecar-app-fixture';

function fixture() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new Stack(app, 'Test', { env: { region: 'us-east-1' } });
  const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
  const data = new DataTables(stack, 'Data', { key });
  const props = (overrides: Partial<SidecarFunctionProps> = {}): SidecarFunctionProps => ({
    projectRoot: PROJECT_ROOT,
    entry: 'functions/api/handler.ts',
    serviceName: 'test',
    description: 'test',
    invocation: 'http',
    reservedConcurrency: 1,
    logEncryptionKey: key,
    ...overrides,
  });
  return { stack, data, props };
}

describe('SidecarFunction', () => {
  test('refuses an entry that does not exist (paths are resolved from the project root)', () => {
    const { stack, props } = fixture();
    expect(() => new SidecarFunction(stack, 'Fn', props({ entry: 'functions/nope.ts' }))).toThrow(/does not exist/);
  });

  test('an asynchronously invoked function must have a dead-letter queue', () => {
    const { stack, props } = fixture();
    expect(() => new SidecarFunction(stack, 'Fn', props({ invocation: 'async' }))).toThrow(/dead-letter queue/);
  });
});

describe('bindTable', () => {
  test("refuses 'readWrite' on an append-only table", () => {
    const { stack, data, props } = fixture();
    const fn = new SidecarFunction(stack, 'Fn', props());
    expect(data.audit.definition.appendOnly).toBe(true);
    expect(() => bindTable(fn, data.audit, 'readWrite')).toThrow(/append-only/);
  });

  test("'none' sets the table's name and grants nothing on it; 'read' grants no writes and no Scan", () => {
    const { stack, data, props } = fixture();
    const fn = new SidecarFunction(stack, 'Fn', props());
    bindTable(fn, data.records, 'none');
    bindTable(fn, data.inbox, 'read');
    const template = Template.fromStack(stack);
    const policies = JSON.stringify(template.findResources('AWS::IAM::ManagedPolicy'));
    const recordsId = stack.getLogicalId(data.records.table.node.defaultChild as never);
    expect(policies).not.toContain(recordsId);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan']) {
      expect(policies).not.toContain(action);
    }
    expect(policies).toContain('dynamodb:Query');
    const [fnResource] = Object.values(template.findResources('AWS::Lambda::Function'));
    expect(Object.keys(fnResource!.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.recordsTable, ENV.inboxTable]),
    );
  });
});
