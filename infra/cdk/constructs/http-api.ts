import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag';
import type { SidecarFunction } from './sidecar-function';

export interface SidecarHttpApiProps {
  /** Hono JSON API: `/api/*`. */
  readonly api: SidecarFunction;
  /** Inbound EHR webhooks: `/webhooks/*`. */
  readonly webhooks: SidecarFunction;
  /** Remix console (server rendering): every other path. */
  readonly console: SidecarFunction;
  /** Key for the access log group. */
  readonly logEncryptionKey: kms.IKey;
  /** Steady-state request rate for the whole stage (requests per second). */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/**
 * One access-log line per request, as JSON. Deliberately without the query string, headers or
 * body (a search could carry a patient's name); paths carry opaque ids only.
 */
const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    sourceIp: '$context.identity.sourceIp',
    method: '$context.httpMethod',
    routeKey: '$context.routeKey',
    path: '$context.path',
    protocol: '$context.protocol',
    status: '$context.status',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integration.latency',
    integrationStatus: '$context.integration.status',
    integrationError: '$context.integrationErrorMessage',
    errorMessage: '$context.error.message',
    xrayTraceId: '$context.xrayTraceId',
  }),
);

/**
 * The HTTP API behind CloudFront: `/api/{proxy+}` → api, `/webhooks/{proxy+}` → webhooks,
 * `$default` → console; payload format 2.0, stage throttling and JSON access logs.
 * Authentication is the application's (one auth middleware; webhook signatures), see
 * docs/decisions/010-aws-topology.md.
 */
export class SidecarHttpApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SidecarHttpApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'Api', {
      description: 'Sidecar: console, JSON API and EHR webhooks (fronted by CloudFront)',
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('Console', props.console.function),
    });
    this.httpApi.addRoutes({
      path: '/api/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Api', props.api.function),
    });
    this.httpApi.addRoutes({
      path: '/webhooks/{proxy+}',
      methods: [apigw.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Webhooks', props.webhooks.function),
    });

    acknowledge(this.httpApi, [
      [
        'AwsSolutions-APIG4',
        'Authorization happens in the application, once per surface: the API verifies Cognito access tokens (aws-jwt-verify) and a per-route role policy, the console a server-side session, the route policy and a CSRF token, and webhooks a Standard Webhooks signature over the raw body. An API Gateway authorizer could check only the first, and not the route policy or the session.',
      ],
    ]);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });
  }

  /** The API's host name (no scheme), for CloudFront's origin. */
  get domainName(): string {
    return `${this.httpApi.apiId}.execute-api.${this.httpApi.stack.region}.${this.httpApi.stack.urlSuffix}`;
  }
}
