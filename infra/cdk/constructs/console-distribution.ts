import { existsSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { acknowledge, acknowledgeWildcards } from '../nag';
import { LeastPrivilegeRole } from './least-privilege-role';

export interface CustomDomain {
  /** e.g. sidecar.example-hospital.org */
  readonly domainName: string;
  /** ACM certificate for the domain, in us-east-1 (CloudFront's requirement). */
  readonly certificateArn: string;
}

export interface ConsoleDistributionProps {
  /** The Remix client build (`web/build/client`): hashed files under `assets/`, a few root files. */
  readonly assetsDir: string;
  /** Host name of the HTTP API (console, API and webhooks). */
  readonly apiDomainName: string;
  /** ARN of the CLOUDFRONT-scope web ACL. */
  readonly webAclArn: string;
  /** Key for the deployment function's log group. */
  readonly logEncryptionKey: kms.IKey;
  /** Without one, the distribution uses its *.cloudfront.net name and certificate. */
  readonly customDomain?: CustomDomain;
  /** ISO 3166 country codes allowed to reach Sidecar; unset means no geographic restriction. */
  readonly allowedCountries?: readonly string[];
}

/** Upper bound on root-level static entries, each of which costs a CloudFront cache behaviour. */
const MAX_ROOT_STATIC_ENTRIES = 10;

/**
 * Headers CloudFront adds to every response. Deliberately absent: `Content-Security-Policy` and
 * `X-Frame-Options`. The console sends its own CSP, whose `frame-ancestors` lists the EHR origins
 * allowed to embed it (SIDECAR_FRAME_ANCESTORS, for SMART launches inside the EHR); an
 * `X-Frame-Options: DENY` or a CSP added here would forbid exactly that embedding. Referrer-Policy is
 * `same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null` on form posts,
 * which Remix's action CSRF check rejects. It is a default, not an override: the patients' reminder
 * pages (`/r/*`) send `no-referrer` themselves, so the unguessable link never leaks to another site.
 */
const SECURITY_HEADERS: cloudfront.ResponseSecurityHeadersBehavior = {
  strictTransportSecurity: {
    accessControlMaxAge: Duration.days(730),
    includeSubdomains: true,
    preload: true,
    override: true,
  },
  contentTypeOptions: { override: true },
  referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.SAME_ORIGIN, override: false },
  // The legacy XSS auditor is itself exploitable; modern guidance is to switch it off.
  xssProtection: { protection: false, override: true },
};

const PERMISSIONS_POLICY: cloudfront.ResponseCustomHeader = {
  header: 'Permissions-Policy',
  value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  override: true,
};

/**
 * The console's front door: CloudFront (HTTPS only, WAF, security headers, access logs) with two
 * origins. Hashed client assets come from a private S3 bucket through Origin Access Control and are
 * cached for a year; everything else (console pages, `/api/*`, `/webhooks/*`) goes uncached to the
 * HTTP API with every viewer header except Host (API Gateway routes on its own host name), cookie
 * and query string. Dynamic responses default to `Cache-Control: no-store`, since they carry PHI.
 */
export class ConsoleDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly assetsBucket: s3.Bucket;
  readonly logsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ConsoleDistributionProps) {
    super(scope, id);
    const rootEntries = listRootStaticEntries(props.assetsDir);

    this.logsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      // CloudFront standard logging writes with an ACL, so this bucket must accept them.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) }],
    });
    acknowledge(this.logsBucket, [
      ['AwsSolutions-S1', 'This is the access-log bucket; logging its own access would log the logging.'],
      ['HIPAA.Security-S3BucketLoggingEnabled', 'This is the access-log bucket; logging its own access would log the logging.'],
      [
        'HIPAA.Security-S3DefaultEncryptionKMS',
        'S3 server access logging and CloudFront standard logging can only deliver to SSE-S3 buckets; the logs are encrypted at rest with S3-managed keys.',
      ],
      [
        'HIPAA.Security-S3BucketReplicationEnabled',
        'Access logs are operational records kept for a year in a versioned, retained bucket; cross-region replication is not warranted for them.',
      ],
    ]);

    this.assetsBucket = new s3.Bucket(this, 'Assets', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 's3/assets/',
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    acknowledge(this.assetsBucket, [
      [
        'HIPAA.Security-S3DefaultEncryptionKMS',
        'Holds only the public, hashed console JS/CSS build (no PHI); SSE-S3 encrypts it at rest and keeps CloudFront OAC reads free of a KMS key policy.',
      ],
      [
        'HIPAA.Security-S3BucketReplicationEnabled',
        'The bucket holds build output that every deploy re-uploads from source; replication would add nothing a redeploy does not.',
      ],
    ]);

    this.deployAssets(props);

    const apiOrigin = new origins.HttpOrigin(props.apiDomainName, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      readTimeout: Duration.seconds(30),
    });
    const assetsOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.assetsBucket);

    const dynamicHeaders = new cloudfront.ResponseHeadersPolicy(this, 'DynamicHeaders', {
      comment: 'Sidecar: security headers; PHI responses uncacheable unless the origin says otherwise',
      securityHeadersBehavior: SECURITY_HEADERS,
      customHeadersBehavior: {
        customHeaders: [PERMISSIONS_POLICY, { header: 'Cache-Control', value: 'no-store', override: false }],
      },
    });
    const immutableHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ImmutableAssetHeaders', {
      comment: 'Sidecar: security headers; hashed assets cached for a year',
      securityHeadersBehavior: SECURITY_HEADERS,
      customHeadersBehavior: {
        customHeaders: [
          PERMISSIONS_POLICY,
          { header: 'Cache-Control', value: 'public, max-age=31536000, immutable', override: true },
        ],
      },
    });
    const staticHeaders = new cloudfront.ResponseHeadersPolicy(this, 'StaticHeaders', {
      comment: 'Sidecar: security headers for unhashed root files (favicon and the like)',
      securityHeadersBehavior: SECURITY_HEADERS,
      customHeadersBehavior: { customHeaders: [PERMISSIONS_POLICY] },
    });

    const staticBehavior = (responseHeadersPolicy: cloudfront.IResponseHeadersPolicy): cloudfront.BehaviorOptions => ({
      origin: assetsOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy,
      compress: true,
    });
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {
      '/assets/*': staticBehavior(immutableHeaders),
    };
    for (const entry of rootEntries) {
      additionalBehaviors[entry.isDirectory ? `/${entry.name}/*` : `/${entry.name}`] = staticBehavior(staticHeaders);
    }

    const certificate = props.customDomain
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn)
      : undefined;

    // The API Gateway origin needs its own Host header, so the viewer's host travels as
    // X-Forwarded-Host: Remix's action CSRF check compares it with the Origin of form posts.
    const forwardHost = new cloudfront.Function(this, 'ForwardViewerHost', {
      comment: 'Sidecar: pass the viewer host to the origin as x-forwarded-host',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(
        'function handler(event) { var r = event.request; r.headers["x-forwarded-host"] = { value: r.headers.host.value }; return r; }',
      ),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Sidecar console, API and webhooks',
      defaultBehavior: {
        origin: apiOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: dynamicHeaders,
        compress: true,
        functionAssociations: [{ function: forwardHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      additionalBehaviors,
      webAclId: props.webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      minimumProtocolVersion: certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      domainNames: props.customDomain ? [props.customDomain.domainName] : undefined,
      certificate,
      geoRestriction: props.allowedCountries ? cloudfront.GeoRestriction.allowlist(...props.allowedCountries) : undefined,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });

    if (!props.customDomain) {
      acknowledge(this.distribution, [
        [
          'AwsSolutions-CFR4',
          'Without a custom domain the distribution must use the default *.cloudfront.net certificate, whose minimum protocol CloudFront fixes at TLSv1; a production deploy passes sidecar:domainName and sidecar:certificateArn, which sets TLSv1.2_2021.',
        ],
      ]);
    }
    if (!props.allowedCountries) {
      acknowledge(this.distribution, [
        [
          'AwsSolutions-CFR1',
          'Staff, patients (links in reminders) and EHR vendors may connect from anywhere; geography is not an access control here. A deploy can restrict with sidecar:allowedCountries.',
        ],
      ]);
    }
  }

  /**
   * Uploads the client build. Old hashed files are kept (no prune) so pages rendered before a
   * deploy can still load their scripts; no invalidation is needed because asset names change with
   * their content.
   */
  private deployAssets(props: ConsoleDistributionProps): void {
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new LeastPrivilegeRole(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the console client build into the assets bucket at deploy time',
    });
    logGroup.grantWrite(role);

    const deployment = new s3deploy.BucketDeployment(this, 'DeployAssets', {
      sources: [s3deploy.Source.asset(props.assetsDir)],
      destinationBucket: this.assetsBucket,
      prune: false,
      memoryLimit: 512,
      role,
      logGroup,
    });

    // BucketDeployment's own grants: read the uploaded asset zip from the CDK asset bucket, write
    // the assets bucket. Object wildcards stay inside those two buckets.
    const assetsBucketArn = Stack.of(this).getLogicalId(this.assetsBucket.node.defaultChild as s3.CfnBucket);
    acknowledgeWildcards(
      role.grantsPolicy.node.defaultChild as CfnResource,
      [
        /^Action::s3:(GetObject|GetBucket|List|Abort|DeleteObject)\*$/,
        new RegExp(`^Resource::<${assetsBucketArn}\\.Arn>/\\*$`),
        /^Resource::arn:[a-z-]+:s3:::cdk-[a-z0-9]+-assets-[^/]+\/\*$/,
      ],
      'CDK BucketDeployment copies the console build from the CDK asset bucket into the assets bucket: object-level wildcards within those two buckets only, used only while CloudFormation deploys.',
    );
    const handler = findBucketDeploymentHandler(Stack.of(this));
    const reasonHandler =
      'CDK-provided BucketDeployment handler: runs only while CloudFormation deploys (never reachable from a request), copies public build output, and its runtime is chosen by CDK.';
    acknowledge(handler, [
      ['AwsSolutions-L1', reasonHandler],
      ['HIPAA.Security-LambdaConcurrency', `${reasonHandler} CloudFormation invokes it once per deploy.`],
      ['HIPAA.Security-LambdaDLQ', `${reasonHandler} CloudFormation invokes it synchronously and reports failures itself.`],
      ['HIPAA.Security-LambdaInsideVPC', `${reasonHandler} It talks only to S3 over TLS.`],
    ]);
  }
}

/** Root-level entries of the client build other than `assets/`, each served from S3. */
function listRootStaticEntries(assetsDir: string): Array<{ name: string; isDirectory: boolean }> {
  if (!existsSync(path.join(assetsDir, 'assets'))) {
    throw new Error(`${assetsDir} is not a Remix client build: it has no assets/ folder (run npm run build:web)`);
  }
  const entries = readdirSync(assetsDir)
    .filter((name) => name !== 'assets' && !name.startsWith('.'))
    .sort()
    .map((name) => ({ name, isDirectory: statSync(path.join(assetsDir, name)).isDirectory() }));
  if (entries.length > MAX_ROOT_STATIC_ENTRIES) {
    throw new Error(
      `The client build has ${entries.length} root-level entries besides assets/ (max ${MAX_ROOT_STATIC_ENTRIES}): move them under public/assets`,
    );
  }
  return entries;
}

function findBucketDeploymentHandler(stack: Stack): IConstruct {
  const handler = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  if (!handler) throw new Error('BucketDeployment handler not found');
  return handler;
}
