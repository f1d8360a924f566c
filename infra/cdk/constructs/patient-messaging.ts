import { Annotations, ArnFormat, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as smsvoice from 'aws-cdk-lib/aws-smsvoice';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ENV } from '../../../shared/config/env-names';
import type { SidecarFunction } from './sidecar-function';

export interface PatientMessagingSettings {
  /** The organization's name as patients know it (reminder texts, emails and the From name). */
  readonly organizationName?: string;
  /** Domain reminder emails come from; without it no email identity exists and emails are refused. */
  readonly emailDomain?: string;
  /** ARN of the phone number or pool reminder texts come from; without it texts are refused. */
  readonly smsOriginationIdentity?: string;
}

export interface PatientMessagingProps extends PatientMessagingSettings {
  /** Customer-managed key for the inbound-SMS topic (patients' texts are PHI). */
  readonly key: kms.Key;
}

/** The local part of the reminder emails' From address. */
export const EMAIL_FROM_LOCAL_PART = 'reminders';

/**
 * SES email events the configuration set publishes to the default bus: exactly those the
 * delivery-events rule matches (delivered, bounced, complaint), so nothing is published for nobody.
 */
const EMAIL_EVENTS = [ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT];

/**
 * How Sidecar reaches patients on AWS:
 * - email: an SES configuration set that keeps bounced and complaining addresses on the account's
 *   suppression list, requires TLS to the receiving server, and sends delivery, bounce and complaint
 *   events to the default event bus; the sending domain's identity (DKIM) when `emailDomain` is set;
 * - SMS: an End User Messaging SMS configuration set that texts are sent through (delivery-status
 *   events reach the default bus directly: the service publishes them there itself), the origination
 *   identity from the deploy context, and a KMS-encrypted SNS topic that receives patients' replies
 *   (two-way SMS) for the inbound-SMS function.
 * The stack does not buy or register phone numbers (a registration takes weeks and carries the
 * organization's legal identity); without one, or without an email domain, it warns at synthesis
 * and the corresponding sends are refused by IAM rather than sent from something unintended.
 */
export class PatientMessaging extends Construct {
  readonly emailConfigurationSet: ses.ConfigurationSet;
  readonly emailIdentity: ses.EmailIdentity | undefined;
  /** `Org Name <reminders@domain>`, or undefined without an email domain. */
  readonly emailFrom: string | undefined;
  readonly smsConfigurationSet: smsvoice.CfnConfigurationSet;
  readonly smsOriginationIdentity: string | undefined;
  readonly inboundSmsTopic: sns.Topic;
  private readonly organizationName: string | undefined;

  constructor(scope: Construct, id: string, props: PatientMessagingProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    this.organizationName = props.organizationName;

    this.emailConfigurationSet = new ses.ConfigurationSet(this, 'EmailConfigurationSet', {
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      sendingEnabled: true,
    });
    this.emailConfigurationSet.addEventDestination('ToDefaultBus', {
      destination: ses.EventDestination.eventBus(events.EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: EMAIL_EVENTS,
    });
    if (props.emailDomain) {
      this.emailIdentity = new ses.EmailIdentity(this, 'EmailIdentity', {
        identity: ses.Identity.domain(props.emailDomain),
        configurationSet: this.emailConfigurationSet,
      });
      const address = `${EMAIL_FROM_LOCAL_PART}@${props.emailDomain}`;
      this.emailFrom = props.organizationName ? `${props.organizationName} <${address}>` : address;
    } else {
      Annotations.of(this).addWarningV2(
        'sidecar:emailDomain-unset',
        'sidecar:emailDomain is not set, so the stack creates no SES identity and reminder emails will be refused. Set it to the domain reminders come from (they are sent as reminders@<domain>), deploy, then publish the DKIM records SES shows for it.',
      );
    }

    this.smsConfigurationSet = new smsvoice.CfnConfigurationSet(this, 'SmsConfigurationSet', {});
    this.smsOriginationIdentity = props.smsOriginationIdentity;
    if (!props.smsOriginationIdentity) {
      Annotations.of(this).addWarningV2(
        'sidecar:smsOriginationIdentity-unset',
        'sidecar:smsOriginationIdentity is not set, so reminder texts will be refused. Set it to the ARN of an End User Messaging SMS phone number or pool registered for this use, and turn on two-way SMS for it with the InboundSmsTopicArn output as its destination.',
      );
    }

    this.inboundSmsTopic = new sns.Topic(this, 'InboundSms', {
      displayName: 'Sidecar: patients replying to reminder texts',
      masterKey: props.key,
      enforceSSL: true,
    });
    // End User Messaging SMS publishes two-way replies to this topic, for numbers of this account only.
    this.inboundSmsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTwoWaySmsOfThisAccount',
        principals: [new iam.ServicePrincipal('sms-voice.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.inboundSmsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: { 'aws:SourceArn': `arn:${partition}:sms-voice:${region}:${account}:*` },
        },
      }),
    );
  }

  /**
   * Lets a function send reminder texts: sets the configuration set and origination identity, and
   * allows `sms-voice:SendTextMessage` on exactly those two resources (nothing when no identity is
   * configured: an unscoped send could go out from any number of the account).
   */
  bindSms(fn: SidecarFunction): void {
    fn.addEnvironment(ENV.smsConfigurationSet, this.smsConfigurationSet.attrArn);
    this.bindOrganization(fn);
    if (!this.smsOriginationIdentity) return;
    fn.addEnvironment(ENV.smsOriginationIdentity, this.smsOriginationIdentity);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sms-voice:SendTextMessage'],
        resources: [this.smsConfigurationSet.attrArn, this.smsOriginationIdentity],
      }),
    );
  }

  /**
   * Lets a function send reminder emails: sets the configuration set and From address, and allows
   * `ses:SendEmail` on exactly the domain identity and the configuration set, from that address only
   * (nothing without an email domain).
   */
  bindEmail(fn: SidecarFunction): void {
    fn.addEnvironment(ENV.sesConfigurationSet, this.emailConfigurationSet.configurationSetName);
    this.bindOrganization(fn);
    if (!this.emailIdentity || !this.emailFrom) return;
    const stack = Stack.of(this);
    fn.addEnvironment(ENV.emailFrom, this.emailFrom);
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          stack.formatArn({ service: 'ses', resource: 'identity', resourceName: this.emailIdentity.emailIdentityName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME }),
          stack.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: this.emailConfigurationSet.configurationSetName,
            arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
          }),
        ],
        conditions: { StringEquals: { 'ses:FromAddress': this.emailFrom.replace(/^.*<([^<>]+)>$/, '$1') } },
      }),
    );
  }

  /** Subscribes the inbound-SMS function to the topic patients' replies arrive on. */
  subscribeInboundSms(fn: SidecarFunction): void {
    this.inboundSmsTopic.addSubscription(new subscriptions.LambdaSubscription(fn.function));
  }

  private bindOrganization(fn: SidecarFunction): void {
    if (this.organizationName) fn.addEnvironment(ENV.organizationName, this.organizationName);
  }
}
