import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface EdgeFirewallProps {
  /** Key for the WAF log group. */
  readonly logEncryptionKey: kms.IKey;
  /** Requests one client IP may make in any 5-minute window before it is blocked. */
  readonly requestsPerIpPer5Minutes: number;
}

/** Path prefix of the EHR webhooks, which the common rule set must leave alone. */
const WEBHOOK_PATH_PREFIX = '/webhooks/';

const managedRule = (
  name: string,
  priority: number,
  extra: Partial<wafv2.CfnWebACL.ManagedRuleGroupStatementProperty> = {},
): wafv2.CfnWebACL.RuleProperty => ({
  name,
  priority,
  overrideAction: { none: {} },
  statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ...extra } },
  visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: name },
});

/**
 * The web ACL in front of CloudFront (scope CLOUDFRONT, so it must live in us-east-1; see
 * docs/decisions/010-aws-topology.md). AWS managed rules for IP reputation and known bad inputs on
 * every request; the common rule set on everything except the EHR webhooks, whose FHIR payloads
 * (XHTML narrative, bodies up to 1 MB) trip its XSS and size rules and which are authenticated by
 * signature instead; a per-IP rate limit. Logs go to CloudWatch with credentials and query strings
 * redacted.
 */
export class EdgeFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Sidecar edge firewall',
      defaultAction: { allow: {} },
      visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'sidecar-edge' },
      rules: [
        managedRule('AWSManagedRulesAmazonIpReputationList', 0),
        managedRule('AWSManagedRulesKnownBadInputsRuleSet', 1),
        managedRule('AWSManagedRulesCommonRuleSet', 2, {
          // Request bodies are bounded by each endpoint's own schema; CloudFront's WAF only sees
          // the first 16 KB of a body anyway.
          ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          scopeDownStatement: {
            notStatement: {
              statement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: WEBHOOK_PATH_PREFIX,
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
        }),
        {
          name: 'RatePerIp',
          priority: 3,
          action: { block: {} },
          statement: {
            rateBasedStatement: { aggregateKeyType: 'IP', limit: props.requestsPerIpPer5Minutes, evaluationWindowSec: 300 },
          },
          visibilityConfig: { sampledRequestsEnabled: true, cloudWatchMetricsEnabled: true, metricName: 'RatePerIp' },
        },
      ],
    });

    // WAF requires the log group name to start with aws-waf-logs- and its ARN without ":*".
    const logGroupName = `aws-waf-logs-${stack.stackName}`;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'cookie' } },
        { singleHeader: { Name: 'webhook-signature' } },
        { queryString: {} },
      ],
    });
    logging.node.addDependency(logGroup);
  }
}
