import { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CONTEXT } from '../../infra/cdk/deploy-context';
import { nagFindings } from '../../infra/cdk/nag';
import type { SidecarFunction } from '../../infra/cdk/constructs/sidecar-function';
import type { SidecarStack } from '../../infra/cdk/sidecar-stack';
import { ENV } from '../../shared/config/env-names';
import { DELIVERY_POLICY } from '../../shared/events/catalogue';
import { DELIVERY_EVENT_PATTERNS } from '../../shared/reminders/delivery-event';
import { asArray, buildSidecar, FIXTURE_MESSAGING, identityStatements, type PolicyStatementJson, refersTo, synthesiseSidecar, type SynthesisedSidecar } from './sidecar-app-fixture';

type Json = Record<string, any>;

/** The send actions of the two channels: never granted on "*", only where the tests below say. */
const SEND_ACTIONS = /^(sms-voice|ses|sns):/;

function helpers(stack: SidecarStack, template: Template) {
  const logicalId = (construct: IConstruct): string =>
    stack.getLogicalId((CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource);
  const resourcesOf = (type: string): Record<string, Json> => template.findResources(type) as Record<string, Json>;
  const statementsOf = (fn: { role: { grantsPolicy: IConstruct } }): PolicyStatementJson[] =>
    identityStatements(template)
      .filter((entry) => entry.policyId === logicalId(fn.role.grantsPolicy))
      .map((entry) => entry.statement);
  const sendStatementsOf = (fn: { role: { grantsPolicy: IConstruct } }) => statementsOf(fn).filter((s) => asArray(s.Action).some((a) => SEND_ACTIONS.test(a)));
  const variablesOf = (fn: { function: IConstruct }): Json => resourcesOf('AWS::Lambda::Function')[logicalId(fn.function)]!.Properties.Environment.Variables;
  return { logicalId, resourcesOf, statementsOf, sendStatementsOf, variablesOf };
}

describe('patient reminders on AWS (fully configured)', () => {
  let sidecar: SynthesisedSidecar;
  let template: Template;
  let stack: SidecarStack;
  let h: ReturnType<typeof helpers>;

  beforeAll(() => {
    sidecar = synthesiseSidecar();
    ({ template, stack } = sidecar);
    h = helpers(stack, template);
  });
  afterAll(() => sidecar?.cleanUp());

  test('the reminder sweep runs every minute, one at a time, dead-lettering to the last-resort queue', () => {
    const fnId = h.logicalId(stack.functions.reminderSweep.function);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] } })],
    });
    const fn = h.resourcesOf('AWS::Lambda::Function')[fnId]!.Properties;
    expect(fn.ReservedConcurrentExecutions).toBe(1);
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [h.logicalId(stack.routing.lastResortQueue), 'Arn'] } });
  });

  test('delivery events: one rule per provider pattern, on the default bus, to the delivery-events function with retries and a dead-letter queue', () => {
    const fnId = h.logicalId(stack.functions.deliveryEvents.function);
    const rules = Object.values(h.resourcesOf('AWS::Events::Rule')).filter((r) => refersTo(r.Properties.Targets, fnId));
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual([
      { source: ['aws.sms-voice'], 'detail-type': ['Text Message Delivery Status Updated'] },
      { source: ['aws.ses'], 'detail-type': ['Email Delivered', 'Email Bounced', 'Email Complaint Received'] },
    ]);
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(DELIVERY_EVENT_PATTERNS.map((p) => ({ ...p })));
    for (const rule of rules) {
      // No EventBusName: the default bus, where AWS services publish (never Sidecar's own bus: these carry PHI).
      expect(rule.Properties.EventBusName).toBeUndefined();
      expect(rule.Properties.Targets).toHaveLength(1);
      expect(rule.Properties.Targets[0].RetryPolicy).toEqual({
        MaximumRetryAttempts: DELIVERY_POLICY.retryAttempts,
        MaximumEventAgeInSeconds: DELIVERY_POLICY.maximumEventAgeSeconds,
      });
      expect(rule.Properties.Targets[0].DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [h.logicalId(stack.routing.lastResortQueue), 'Arn'] } });
    }
  });

  test('inbound SMS: a KMS-encrypted topic (TLS only) that End User Messaging SMS of this account may publish to, subscribed by the inbound-SMS function', () => {
    const topicId = h.logicalId(stack.messaging.inboundSmsTopic);
    const fnId = h.logicalId(stack.functions.inboundSms.function);
    const topic = h.resourcesOf('AWS::SNS::Topic')[topicId]!;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [h.logicalId(stack.keys.data), 'Arn'] });

    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: { Ref: topicId },
      Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'sns.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
      SourceArn: { Ref: topicId },
    });

    const policy = Object.values(h.resourcesOf('AWS::SNS::TopicPolicy')).find((p) => refersTo(p.Properties.Topics, topicId))!;
    const statements = policy.Properties.PolicyDocument.Statement as Json[];
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0]).toEqual(
      expect.objectContaining({
        Principal: { Service: 'sms-voice.amazonaws.com' },
        Action: 'sns:Publish',
        Condition: {
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
          ArnLike: { 'aws:SourceArn': expect.anything() },
        },
      }),
    );
    expect(statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false')).toBe(true);

    // The service encrypts what it publishes with the topic's key: the key policy admits it, for this account only.
    const key = h.resourcesOf('AWS::KMS::Key')[h.logicalId(stack.keys.data)]!;
    const forSms = (key.Properties.KeyPolicy.Statement as Json[]).filter((s) => s.Principal?.Service === 'sms-voice.amazonaws.com');
    expect(forSms).toHaveLength(1);
    expect(forSms[0]!.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(forSms[0]!.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
  });

  test('email: a configuration set that suppresses bounces and complaints, requires TLS and sends delivery, bounce and complaint events to the default bus', () => {
    const setId = h.logicalId(stack.messaging.emailConfigurationSet);
    const set = h.resourcesOf('AWS::SES::ConfigurationSet')[setId]!.Properties;
    expect(set.SuppressionOptions).toEqual({ SuppressedReasons: ['BOUNCE', 'COMPLAINT'] });
    expect(set.DeliveryOptions).toEqual({ TlsPolicy: 'REQUIRE' });
    expect(set.SendingOptions).toEqual({ SendingEnabled: true });

    const destinations = Object.values(h.resourcesOf('AWS::SES::ConfigurationSetEventDestination'));
    expect(destinations).toHaveLength(1);
    const destination = destinations[0]!.Properties;
    expect(destination.ConfigurationSetName).toEqual({ Ref: setId });
    expect(destination.EventDestination.Enabled).toBe(true);
    expect(destination.EventDestination.MatchingEventTypes).toEqual(['delivery', 'bounce', 'complaint']);
    expect(JSON.stringify(destination.EventDestination.EventBridgeDestination.EventBusArn)).toMatch(/:event-bus\/default"/);
  });

  test('email: the sending domain is an SES identity using that configuration set by default', () => {
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: FIXTURE_MESSAGING.emailDomain,
      ConfigurationSetAttributes: { ConfigurationSetName: { Ref: h.logicalId(stack.messaging.emailConfigurationSet) } },
    });
  });

  test('SMS: a configuration set the texts are sent through', () => {
    expect(Object.keys(h.resourcesOf('AWS::SMSVOICE::ConfigurationSet'))).toEqual([h.logicalId(stack.messaging.smsConfigurationSet)]);
  });

  test('the reminder sweep may send texts through the configuration set and origination identity, and emails from the domain identity and configuration set, nothing wider', () => {
    const smsSetId = h.logicalId(stack.messaging.smsConfigurationSet);
    const emailSetId = h.logicalId(stack.messaging.emailConfigurationSet);
    const send = h.sendStatementsOf(stack.functions.reminderSweep);
    expect(send).toHaveLength(2);
    const sms = send.find((s) => asArray(s.Action).includes('sms-voice:SendTextMessage'))!;
    expect(asArray(sms.Action)).toEqual(['sms-voice:SendTextMessage']);
    expect(asArray(sms.Resource)).toHaveLength(2);
    expect(asArray(sms.Resource)).toEqual(
      expect.arrayContaining([FIXTURE_MESSAGING.smsOriginationIdentity, { 'Fn::GetAtt': [smsSetId, 'Arn'] }]),
    );

    const email = send.find((s) => asArray(s.Action).includes('ses:SendEmail'))! as PolicyStatementJson & { Condition?: Json };
    expect(asArray(email.Action)).toEqual(['ses:SendEmail']);
    const resources = asArray(email.Resource).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(2);
    expect(resources.some((r) => r.includes(':identity/') && r.includes(`"${h.logicalId(stack.messaging.emailIdentity!)}"`))).toBe(true);
    expect(resources.some((r) => r.includes(':configuration-set/') && r.includes(`"${emailSetId}"`))).toBe(true);
    expect(email.Condition).toEqual({ StringEquals: { 'ses:FromAddress': `reminders@${FIXTURE_MESSAGING.emailDomain}` } });
  });

  test('the inbound-SMS function may send texts (the opt-out confirmation, the HELP answer) and no email; delivery events may send nothing', () => {
    const inbound = h.sendStatementsOf(stack.functions.inboundSms);
    expect(inbound.flatMap((s) => asArray(s.Action))).toEqual(['sms-voice:SendTextMessage']);
    expect(asArray(inbound[0]!.Resource)).toEqual(
      expect.arrayContaining([FIXTURE_MESSAGING.smsOriginationIdentity, { 'Fn::GetAtt': [h.logicalId(stack.messaging.smsConfigurationSet), 'Arn'] }]),
    );
    expect(h.sendStatementsOf(stack.functions.deliveryEvents)).toEqual([]);
  });

  test('no other function may send, and no send action is ever granted on "*" or a wildcard ARN', () => {
    const senders = new Set([stack.functions.reminderSweep, stack.functions.inboundSms].map((fn) => h.logicalId(fn.role.grantsPolicy)));
    for (const { policyId, statement } of identityStatements(template)) {
      const actions = asArray(statement.Action).filter((a) => SEND_ACTIONS.test(a));
      if (actions.length === 0) continue;
      expect({ policyId, sender: senders.has(policyId) }).toEqual({ policyId, sender: true });
      for (const resource of asArray(statement.Resource)) {
        expect({ policyId, resource }).toEqual({ policyId, resource: expect.not.stringMatching(/^\*$/) });
        if (typeof resource === 'string') expect({ policyId, resource }).toEqual({ policyId, resource: expect.not.stringContaining('*') });
      }
    }
  });

  test('the three functions keep to the records table: read-write there, no other table, bus or secret', () => {
    const recordsId = h.logicalId(stack.data.records.table);
    const recordsKeyId = h.logicalId(stack.data.records.key);
    for (const fn of [stack.functions.reminderSweep, stack.functions.deliveryEvents, stack.functions.inboundSms]) {
      const data = h.statementsOf(fn).filter((s) => asArray(s.Action).some((a) => /^(dynamodb|kms|events|secretsmanager):/.test(a)));
      for (const statement of data) {
        const onRecords = refersTo(statement.Resource, recordsId) || refersTo(statement.Resource, recordsKeyId);
        expect({ actions: statement.Action, onRecords }).toEqual({ actions: statement.Action, onRecords: true });
      }
      expect(data.flatMap((s) => asArray(s.Action))).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:PutItem']));
    }
  });

  test('environment: the sweep gets both channels, the public URL for links and the organization; the inbound function gets SMS', () => {
    const sweep = h.variablesOf(stack.functions.reminderSweep);
    expect(sweep[ENV.smsConfigurationSet]).toEqual({ 'Fn::GetAtt': [h.logicalId(stack.messaging.smsConfigurationSet), 'Arn'] });
    expect(sweep[ENV.smsOriginationIdentity]).toBe(FIXTURE_MESSAGING.smsOriginationIdentity);
    expect(sweep[ENV.sesConfigurationSet]).toEqual({ Ref: h.logicalId(stack.messaging.emailConfigurationSet) });
    expect(sweep[ENV.emailFrom]).toBe(`${FIXTURE_MESSAGING.organizationName} <reminders@${FIXTURE_MESSAGING.emailDomain}>`);
    expect(sweep[ENV.organizationName]).toBe(FIXTURE_MESSAGING.organizationName);
    expect(sweep[ENV.publicUrl]).toEqual(expect.stringMatching(/^https:\/\//));

    const inbound = h.variablesOf(stack.functions.inboundSms);
    expect(inbound[ENV.smsOriginationIdentity]).toBe(FIXTURE_MESSAGING.smsOriginationIdentity);
    expect(inbound[ENV.smsConfigurationSet]).toBeDefined();
    expect(inbound[ENV.emailFrom]).toBeUndefined();

    const delivery = h.variablesOf(stack.functions.deliveryEvents);
    expect(delivery[ENV.recordsTable]).toBeDefined();
    expect(delivery[ENV.smsOriginationIdentity]).toBeUndefined();
  });

  test('the inbound-SMS topic is an output, to be set as the number\'s two-way destination', () => {
    template.hasOutput('InboundSmsTopicArn', { Value: { Ref: h.logicalId(stack.messaging.inboundSmsTopic) } });
  });
});

describe('patient reminders on AWS without an email domain or SMS origination identity', () => {
  let sidecar: SynthesisedSidecar;
  let template: Template;
  let stack: SidecarStack;
  let h: ReturnType<typeof helpers>;

  beforeAll(() => {
    sidecar = synthesiseSidecar({ [CONTEXT.emailDomain]: '', [CONTEXT.smsOriginationIdentity]: '', [CONTEXT.organizationName]: '' });
    ({ template, stack } = sidecar);
    h = helpers(stack, template);
  });
  afterAll(() => sidecar?.cleanUp());

  test('synthesis warns about each, naming the context key', () => {
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => JSON.stringify(w.entry.data));
    expect(warnings.some((w) => w.includes('sidecar:emailDomain is not set'))).toBe(true);
    expect(warnings.some((w) => w.includes('sidecar:smsOriginationIdentity is not set'))).toBe(true);
  });

  test('no identity is created and no function may send: sends are refused rather than sent from something unintended', () => {
    expect(h.resourcesOf('AWS::SES::EmailIdentity')).toEqual({});
    for (const { statement } of identityStatements(template)) {
      expect(asArray(statement.Action).filter((a) => SEND_ACTIONS.test(a))).toEqual([]);
    }
    const sweep = h.variablesOf(stack.functions.reminderSweep);
    expect(sweep[ENV.emailFrom]).toBeUndefined();
    expect(sweep[ENV.smsOriginationIdentity]).toBeUndefined();
    expect(sweep[ENV.organizationName]).toBeUndefined();
    // The configuration sets still exist: they cost nothing and hold suppression and events once sending starts.
    expect(sweep[ENV.sesConfigurationSet]).toBeDefined();
  });

  test('the cdk-nag packs stay clean', () => {
    expect(nagFindings(sidecar.app)).toEqual([]);
  });
});

describe('reminder deploy settings', () => {
  test.each([
    [CONTEXT.emailDomain, 'Example-Hospital.ORG', /sidecar:emailDomain: must be a lower-case DNS domain/],
    [CONTEXT.emailDomain, 'localhost', /sidecar:emailDomain/],
    [CONTEXT.smsOriginationIdentity, '+18005550100', /sidecar:smsOriginationIdentity: must be the ARN/],
    [CONTEXT.smsOriginationIdentity, 'arn:aws:sms-voice:us-east-1:111122223333:configuration-set/x', /sidecar:smsOriginationIdentity/],
    [CONTEXT.organizationName, 'Clinic <evil@example.org>', /sidecar:organizationName/],
  ])('%s refuses %s, naming the key', (key, value, reason) => {
    expect(() => buildSidecar({ [key]: value })).toThrow(reason);
  });

  test.each([
    [CONTEXT.reminderSendWindow, '07:00-20:00', /sidecar:reminderSendWindow: must not start before 08:00/],
    [CONTEXT.reminderSendWindow, '9-5', /sidecar:reminderSendWindow: must be "HH:MM-HH:MM"/],
    [CONTEXT.appointmentReminderOffsetsHours, '24,24', /sidecar:appointmentReminderOffsetsHours: offsets must be distinct/],
    [CONTEXT.appointmentReminderOffsetsHours, '3 days', /sidecar:appointmentReminderOffsetsHours/],
  ])('%s refuses %s with the reason the functions would give', (key, value, reason) => {
    expect(() => buildSidecar({ [key]: value })).toThrow(reason);
  });

  test('the send window reaches the sweep and the offsets the appointment-reminders consumer, as written; unset, neither is set', () => {
    const built = buildSidecar({ [CONTEXT.reminderSendWindow]: '09:00-19:30', [CONTEXT.appointmentReminderOffsetsHours]: '48,2' });
    const unset = buildSidecar();
    try {
      const variables = (b: typeof built, fn: (s: SidecarStack) => SidecarFunction | undefined) =>
        helpers(b.stack, Template.fromStack(b.stack)).variablesOf(fn(b.stack)!);
      const consumer = (s: SidecarStack) => s.functions.consumers.get('appointment-reminders');
      expect(variables(built, (s) => s.functions.reminderSweep)[ENV.reminderSendWindow]).toBe('09:00-19:30');
      expect(variables(built, consumer)[ENV.appointmentReminderOffsetsHours]).toBe('48,2');
      expect(variables(built, (s) => s.functions.consumers.get('follow-up-work'))[ENV.appointmentReminderOffsetsHours]).toBeUndefined();
      expect(variables(unset, (s) => s.functions.reminderSweep)[ENV.reminderSendWindow]).toBeUndefined();
      expect(variables(unset, consumer)[ENV.appointmentReminderOffsetsHours]).toBeUndefined();
    } finally {
      built.cleanUp();
      unset.cleanUp();
    }
  });

  test('a pool ARN is accepted as the origination identity', () => {
    const built = buildSidecar({ [CONTEXT.smsOriginationIdentity]: 'arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef' });
    try {
      expect(built.stack.messaging.smsOriginationIdentity).toBe('arn:aws:sms-voice:us-east-1:111122223333:pool/pool-0123456789abcdef');
    } finally {
      built.cleanUp();
    }
  });
});
