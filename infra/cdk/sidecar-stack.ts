import { Annotations, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { Construct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { CONSUMERS, RULES, type ConsumerId } from '../../shared/events/catalogue';
import { DELIVERY_EVENT_PATTERNS } from '../../shared/reminders/delivery-event';
import { ConsoleDistribution, type CustomDomain } from './constructs/console-distribution';
import { DataTables } from './constructs/data-tables';
import { EdgeFirewall } from './constructs/edge-firewall';
import { EventRouting } from './constructs/event-routing';
import { SidecarHttpApi } from './constructs/http-api';
import { SidecarKeys } from './constructs/keys';
import { PatientMessaging, type PatientMessagingSettings } from './constructs/patient-messaging';
import { StaffIdentity } from './constructs/staff-identity';
import type { SmartIssuer } from './deploy-context';
import {
  bindDeadLetterQueues,
  DEAD_LETTER_POLLERS_PER_QUEUE,
  bindEhrLaunch,
  bindEventBus,
  bindSecrets,
  bindTable,
  SidecarFunction,
  type SidecarFunctionProps,
} from './constructs/sidecar-function';

export interface SidecarStackProps extends StackProps {
  /** Absolute path of the repository root; every entry path is resolved from it. */
  readonly projectRoot: string;
  /** The console's client build (normally `<root>/web/build/client`). */
  readonly consoleAssetsDir: string;
  /**
   * Whether to bundle the functions with esbuild. Tests pass false: the template is the same
   * apart from asset hashes, and synthesis takes seconds instead of a bundle per function.
   * @default true
   */
  readonly bundle?: boolean;
  /**
   * The console's external https origin, e.g. https://sidecar.example-hospital.org: sign-in
   * redirects and Secure cookies derive from it. It comes from the deploy context rather than from
   * the distribution, which depends (through the HTTP API) on the functions that need it.
   */
  readonly publicUrl: string;
  /**
   * ACM certificate (us-east-1) for the public URL's host; with it, the distribution answers on that
   * host. Without it, the public URL must be the distribution's own *.cloudfront.net name.
   */
  readonly certificateArn?: string;
  readonly allowedCountries?: readonly string[];
  /** Prefix of the Cognito-hosted sign-in domain; defaults to stack name plus account id. */
  readonly authDomainPrefix?: string;
  /** SMART on FHIR issuers allowed to launch the console. @default none */
  readonly smartIssuers?: readonly SmartIssuer[];
  /** Origins allowed to frame the console (an EHR embedding it). @default none */
  readonly frameAncestors?: readonly string[];
  /** Patient reminders: organization name, email domain, SMS origination identity. @default none (sends refused, with a warning) */
  readonly messaging?: PatientMessagingSettings;
  /** When reminders go out (validated in the deploy context; unset: the functions' defaults). */
  readonly reminders?: { readonly sendWindow?: string; readonly appointmentOffsetsHours?: string };
}

export interface SidecarFunctions {
  readonly api: SidecarFunction;
  readonly console: SidecarFunction;
  readonly webhooks: SidecarFunction;
  readonly consumers: ReadonlyMap<ConsumerId, SidecarFunction>;
  readonly deadLetterRecorder: SidecarFunction;
  readonly republishSweep: SidecarFunction;
  readonly slaBreachSweep: SidecarFunction;
  readonly reminderSweep: SidecarFunction;
  readonly deliveryEvents: SidecarFunction;
  readonly inboundSms: SidecarFunction;
}

/** The dead-letter recorder's timeout; its queues' visibility timeout is six times this. */
const DEAD_LETTER_RECORDER_TIMEOUT = Duration.seconds(30);

/**
 * Reserved concurrency per function: 3 × 20 (api, console, webhooks) + 10 per catalogue consumer +
 * 2 per consumer (dead-letter recorder) + 3 × 1 (sweeps) + 2 × 5 (delivery events, inbound SMS), so the
 * account's Lambda concurrency limit must be at least that plus 100, which Lambda keeps unreserved.
 * The dead-letter recorder's reservation is exactly its queues × pollers, so adding a consumer can
 * never leave its pollers throttled; the republish, SLA breach and
 * reminder sweeps are single-flight by design.
 */
const CONCURRENCY = {
  api: 20,
  console: 20,
  webhooks: 20,
  consumer: 10,
  deadLetter: CONSUMERS.length * DEAD_LETTER_POLLERS_PER_QUEUE,
  sweep: 1,
  messaging: 5,
} as const;

/**
 * Sidecar on AWS. Composes the constructs: keys, staff sign-in (Cognito), tables, event routing,
 * the functions with their grants, the HTTP API, and CloudFront with its firewall in front.
 */
export class SidecarStack extends Stack {
  readonly keys: SidecarKeys;
  readonly identity: StaffIdentity;
  readonly data: DataTables;
  readonly routing: EventRouting;
  readonly messaging: PatientMessaging;
  readonly functions: SidecarFunctions;
  readonly http: SidecarHttpApi;
  readonly firewall: EdgeFirewall;
  readonly edge: ConsoleDistribution;

  constructor(scope: Construct, id: string, props: SidecarStackProps) {
    super(scope, id, props);
    if (props.bundle === false) {
      // NodejsFunction skips esbuild for stacks outside this list (the CLI's --exclusively uses it too).
      this.node.setContext('aws:cdk:bundling-stacks', []);
    }

    const customDomain: CustomDomain | undefined = props.certificateArn
      ? { domainName: new URL(props.publicUrl).hostname, certificateArn: props.certificateArn }
      : undefined;
    const keys = new SidecarKeys(this, 'Keys');
    const identity = new StaffIdentity(this, 'Identity', {
      publicUrl: props.publicUrl,
      domainPrefix: props.authDomainPrefix,
    });
    const data = new DataTables(this, 'Data', { key: keys.data });
    const routing = new EventRouting(this, 'Events', {
      key: keys.data,
      deadLetterVisibilityTimeout: Duration.seconds(6 * DEAD_LETTER_RECORDER_TIMEOUT.toSeconds()),
    });
    keys.allowEventBridgeDeadLetters();

    const lambda = (id: string, fnProps: Omit<SidecarFunctionProps, 'projectRoot' | 'logEncryptionKey'>) =>
      new SidecarFunction(this, id, { projectRoot: props.projectRoot, logEncryptionKey: keys.logs, ...fnProps });

    // People and the EHR, through the HTTP API. Audit: the API and the console are the paths with a
    // human actor; they append to the audit trail and read it back (auditors), and nothing may
    // rewrite it. Both sign staff in (the console by redirect, the API by bearer token) and keep
    // sessions and users in the records table.
    const api = lambda('Api', {
      entry: 'functions/api/handler.ts',
      serviceName: 'sidecar-api',
      description: 'Sidecar JSON API (/api/*)',
      invocation: 'http',
      memorySize: 1024,
      reservedConcurrency: CONCURRENCY.api,
    });
    const consoleFn = lambda('Console', {
      entry: 'functions/console/handler.ts',
      serviceName: 'sidecar-console',
      description: 'Sidecar console, Remix server rendering',
      invocation: 'http',
      memorySize: 1024,
      timeout: Duration.seconds(15),
      reservedConcurrency: CONCURRENCY.console,
    });
    for (const fn of [api, consoleFn]) {
      bindTable(fn, data.records, 'readWrite');
      bindTable(fn, data.inbox, 'readWrite'); // failed events are listed and replayed from here
      bindTable(fn, data.audit, 'appendQuery');
      bindEventBus(fn, routing.bus, 'publish');
      identity.bindSignIn(fn);
      bindEhrLaunch(fn, { smartIssuers: props.smartIssuers ?? [], frameAncestors: props.frameAncestors ?? [] });
    }
    // Administrators register webhook sources in the console, which creates their signing secrets.
    bindSecrets(consoleFn, keys.data, 'manage');
    const webhooks = lambda('Webhooks', {
      entry: 'functions/webhooks/handler.ts',
      serviceName: 'sidecar-webhooks',
      description: 'Sidecar inbound EHR webhooks (/webhooks/*)',
      invocation: 'http',
      memorySize: 1024,
      reservedConcurrency: CONCURRENCY.webhooks,
    });
    bindTable(webhooks, data.records, 'read'); // webhook sources live in the records table
    bindTable(webhooks, data.inbox, 'readWrite');
    bindTable(webhooks, data.audit, 'none');
    bindEventBus(webhooks, routing.bus, 'publish');
    bindSecrets(webhooks, keys.data, 'read'); // their signing secrets, to verify each delivery

    // Event consumers: one function per catalogue consumer, one rule per catalogue rule.
    const consumers = new Map<ConsumerId, SidecarFunction>();
    for (const consumer of CONSUMERS) {
      const fn = lambda(`Consumer-${consumer.id}`, {
        entry: `functions/consumers/${consumer.id}.ts`,
        serviceName: `sidecar-${consumer.id}`,
        description: `Sidecar consumer: ${consumer.description}`.slice(0, 256),
        invocation: 'async',
        timeout: Duration.seconds(30),
        reservedConcurrency: CONCURRENCY.consumer,
        deadLetterQueue: routing.deadLetterQueue(consumer.id),
        asyncRetryAttempts: 2,
        asyncMaxEventAge: Duration.hours(1),
      });
      bindTable(fn, data.records, 'readWrite');
      bindTable(fn, data.inbox, 'readWrite'); // per-consumer processing state
      bindTable(fn, data.audit, 'none');
      bindEventBus(fn, routing.bus, 'none');
      if (consumer.id === 'appointment-reminders' && props.reminders?.appointmentOffsetsHours) {
        fn.addEnvironment(ENV.appointmentReminderOffsetsHours, props.reminders.appointmentOffsetsHours);
      }
      consumers.set(consumer.id, fn);
    }
    for (const rule of RULES) {
      const consumer = consumers.get(rule.consumer);
      if (!consumer) throw new Error(`Rule ${rule.name} targets unknown consumer ${rule.consumer}`);
      routing.addRule(rule, consumer);
    }

    const deadLetters = lambda('DeadLetterRecorder', {
      entry: 'functions/consumers/dead-letter.ts',
      serviceName: 'sidecar-dead-letter',
      description: 'Sidecar: marks dead-lettered events in the inbox',
      invocation: 'queue',
      memorySize: 256,
      timeout: DEAD_LETTER_RECORDER_TIMEOUT,
      reservedConcurrency: CONCURRENCY.deadLetter,
    });
    bindTable(deadLetters, data.records, 'none');
    bindTable(deadLetters, data.inbox, 'readWrite');
    bindTable(deadLetters, data.audit, 'none');
    bindEventBus(deadLetters, routing.bus, 'none');
    bindDeadLetterQueues(deadLetters, routing.consumerDeadLetterQueues());

    /** A sweep run every minute by a schedule: async, one at a time, no retries (the next tick is a minute away). */
    const minuteSweep = (id: string, entry: string, serviceName: string, description: string) =>
      lambda(id, {
        entry,
        serviceName,
        description,
        invocation: 'async',
        memorySize: 256,
        timeout: Duration.seconds(50),
        reservedConcurrency: CONCURRENCY.sweep,
        deadLetterQueue: routing.lastResortQueue,
        asyncRetryAttempts: 0,
        asyncMaxEventAge: Duration.minutes(1),
      });

    const republish = minuteSweep('RepublishSweep', 'functions/sweeps/republish.ts', 'sidecar-republish', 'Sidecar: re-publishes accepted events stuck in pending');
    bindTable(republish, data.records, 'none');
    bindTable(republish, data.inbox, 'readWrite');
    bindTable(republish, data.audit, 'none');
    bindEventBus(republish, routing.bus, 'publish');
    routing.addSchedule(
      'RepublishSchedule',
      republish,
      events.Schedule.rate(Duration.minutes(1)),
      'Sidecar: every minute, re-publish inbox rows still pending',
    );

    const slaBreach = minuteSweep(
      'SlaBreachSweep',
      'functions/sweeps/sla-breach.ts',
      'sidecar-sla-breach',
      'Sidecar: marks tasks and referrals past due and escalates each breach once',
    );
    bindTable(slaBreach, data.records, 'readWrite');
    bindTable(slaBreach, data.inbox, 'none');
    bindTable(slaBreach, data.audit, 'none');
    bindEventBus(slaBreach, routing.bus, 'none');
    routing.addSchedule(
      'SlaBreachSchedule',
      slaBreach,
      events.Schedule.rate(Duration.minutes(1)),
      'Sidecar: every minute, mark past-due tasks and referrals breached and escalate them',
    );

    // Patient reminders: the send sweep, the providers' delivery events (default bus), patients' replies (SNS).
    const messaging = new PatientMessaging(this, 'Messaging', { key: keys.data, ...props.messaging });
    keys.allowSmsInboundTopic();

    const reminderSweep = minuteSweep(
      'ReminderSweep',
      'functions/sweeps/reminders.ts',
      'sidecar-reminders',
      'Sidecar: sends the patient reminders that are due, by SMS and email, within consent, quiet hours and caps',
    );
    bindTable(reminderSweep, data.records, 'readWrite');
    bindTable(reminderSweep, data.inbox, 'none');
    bindTable(reminderSweep, data.audit, 'none');
    bindEventBus(reminderSweep, routing.bus, 'none');
    reminderSweep.addEnvironment(ENV.publicUrl, props.publicUrl); // the link in each reminder
    if (props.reminders?.sendWindow) reminderSweep.addEnvironment(ENV.reminderSendWindow, props.reminders.sendWindow);
    messaging.bindSms(reminderSweep);
    messaging.bindEmail(reminderSweep);
    routing.addSchedule(
      'ReminderSchedule',
      reminderSweep,
      events.Schedule.rate(Duration.minutes(1)),
      'Sidecar: every minute, send the patient reminders that are due',
    );

    // The two messaging functions: invoked asynchronously by AWS services, touching only the records table.
    const messagingFunction = (id: string, entry: string, serviceName: string, description: string) => {
      const fn = lambda(id, {
        entry,
        serviceName,
        description,
        invocation: 'async',
        memorySize: 256,
        timeout: Duration.seconds(30),
        reservedConcurrency: CONCURRENCY.messaging,
        deadLetterQueue: routing.lastResortQueue,
        asyncRetryAttempts: 2,
        asyncMaxEventAge: Duration.hours(1),
      });
      bindTable(fn, data.records, 'readWrite');
      bindTable(fn, data.inbox, 'none');
      bindTable(fn, data.audit, 'none');
      bindEventBus(fn, routing.bus, 'none');
      return fn;
    };

    const deliveryEvents = messagingFunction(
      'DeliveryEvents',
      'functions/messaging/delivery-events.ts',
      'sidecar-delivery-events',
      'Sidecar: SMS and email delivery events → reminder status, bad contact points, outreach tasks',
    );
    for (const pattern of DELIVERY_EVENT_PATTERNS) {
      const [source] = pattern.source;
      routing.addServiceEventRule(`DeliveryEvents-${source}`, pattern, deliveryEvents, `Sidecar: ${source} delivery events to the delivery-events function`);
    }

    const inboundSms = messagingFunction(
      'InboundSms',
      'functions/messaging/inbound-sms.ts',
      'sidecar-inbound-sms',
      'Sidecar: patients replying to reminder texts (STOP, HELP, opt-out in plain words)',
    );
    messaging.bindSms(inboundSms); // the one confirmation of an opt-out, and the HELP answer
    messaging.subscribeInboundSms(inboundSms);

    const http = new SidecarHttpApi(this, 'Http', {
      api,
      webhooks,
      console: consoleFn,
      logEncryptionKey: keys.logs,
      rateLimit: 200,
      burstLimit: 400,
    });
    const firewall = new EdgeFirewall(this, 'Firewall', {
      logEncryptionKey: keys.logs,
      requestsPerIpPer5Minutes: 20_000,
    });
    const edge = new ConsoleDistribution(this, 'Edge', {
      assetsDir: props.consoleAssetsDir,
      apiDomainName: http.domainName,
      webAclArn: firewall.webAcl.attrArn,
      logEncryptionKey: keys.logs,
      customDomain,
      allowedCountries: props.allowedCountries,
    });

    this.keys = keys;
    this.identity = identity;
    this.data = data;
    this.routing = routing;
    this.messaging = messaging;
    this.functions = {
      api,
      console: consoleFn,
      webhooks,
      consumers,
      deadLetterRecorder: deadLetters,
      republishSweep: republish,
      slaBreachSweep: slaBreach,
      reminderSweep,
      deliveryEvents,
      inboundSms,
    };
    this.http = http;
    this.firewall = firewall;
    this.edge = edge;

    new CfnOutput(this, 'RecordsTableName', {
      description: 'Records table (for `npm run webhook-source -- put` against this stack)',
      value: data.records.table.tableName,
    });
    new CfnOutput(this, 'Url', {
      description: 'Sidecar as configured (sidecar:publicUrl): console at /, API at /api, webhooks at /webhooks',
      value: props.publicUrl,
    });
    new CfnOutput(this, 'DistributionDomainName', {
      description: 'Point the public URL\'s DNS name here (CNAME or alias)',
      value: edge.distribution.distributionDomainName,
    });
    new CfnOutput(this, 'UserPoolId', {
      description: 'Staff accounts: create users here and add each to its role group',
      value: identity.userPool.userPoolId,
    });
    new CfnOutput(this, 'InboundSmsTopicArn', {
      description: 'Turn on two-way SMS for the origination phone number with this topic as its destination (patients\' replies: STOP, HELP)',
      value: messaging.inboundSmsTopic.topicArn,
    });
    new CfnOutput(this, 'EmailConfigurationSetName', {
      description: 'SES configuration set of reminder emails (suppression list, TLS required, events to the default bus)',
      value: messaging.emailConfigurationSet.configurationSetName,
    });
    new CfnOutput(this, 'SignInDomain', {
      description: 'Cognito-hosted sign-in pages',
      value: identity.domain.baseUrl(),
    });

    if (!customDomain && !new URL(props.publicUrl).hostname.endsWith('.cloudfront.net')) {
      Annotations.of(this).addWarningV2(
        'sidecar:publicUrl-unreachable',
        `sidecar:publicUrl is ${props.publicUrl} but no sidecar:certificateArn is set, so CloudFront will not answer on that host and sign-in redirects will fail. Either set sidecar:certificateArn (an ACM certificate in us-east-1 for the host), or deploy, then redeploy with -c sidecar:publicUrl=https://<DistributionDomainName output>.`,
      );
    }
  }
}
