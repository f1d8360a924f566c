import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { CONTEXT, readDeployContext } from './deploy-context';
import { addNagChecks } from './nag';
import { SidecarStack } from './sidecar-stack';

/**
 * CloudFront only accepts WAF web ACLs (and certificates) from us-east-1, and the web ACL lives in
 * this stack, so the stack does too (docs/decisions/010-aws-topology.md).
 */
export const SIDECAR_REGION = 'us-east-1';
export const SIDECAR_STACK_NAME = 'Sidecar';

export { CONTEXT } from './deploy-context';

export interface SidecarAppOptions {
  /** Absolute path of the repository root. */
  readonly projectRoot: string;
  /** Client build to upload; defaults to the context value, then `<root>/web/build/client`. */
  readonly consoleAssetsDir?: string;
  /** @default true */
  readonly bundle?: boolean;
  /** Extra context (tests); cdk.json's context is always applied first. */
  readonly context?: Record<string, unknown>;
  /** Where the cloud assembly goes; the CLI sets it through the environment when it runs the app. */
  readonly outdir?: string;
  readonly account?: string;
}

/** The app's context as cdk.json declares it (feature flags), so tests synthesise what the CLI does. */
function cdkJsonContext(projectRoot: string): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(path.join(projectRoot, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** Resolves where the console client build lives: explicit option, context, then the default. */
export function consoleAssetsDirOf(app: App, options: SidecarAppOptions): string {
  const fromContext = app.node.tryGetContext(CONTEXT.consoleAssetsDir) as string | undefined;
  const dir = options.consoleAssetsDir ?? fromContext ?? path.join('web', 'build', 'client');
  return path.resolve(options.projectRoot, dir);
}

/** A CDK app carrying cdk.json's context (plus any given), so tests synthesise what the CLI does. */
export function newSidecarApp(options: Pick<SidecarAppOptions, 'projectRoot' | 'context' | 'outdir'>): App {
  return new App({
    outdir: options.outdir,
    context: { ...cdkJsonContext(options.projectRoot), ...options.context },
  });
}

/**
 * Adds the Sidecar stack to an app, configured from the validated deploy context (a bad value
 * throws, naming the key), and registers the cdk-nag packs as its validation plugins.
 */
export function addSidecarStack(app: App, options: SidecarAppOptions): SidecarStack {
  const settings = readDeployContext((key) => app.node.tryGetContext(key));
  const stack = new SidecarStack(app, SIDECAR_STACK_NAME, {
    env: { account: options.account, region: SIDECAR_REGION },
    description: 'Sidecar care-coordination CRM',
    projectRoot: options.projectRoot,
    consoleAssetsDir: consoleAssetsDirOf(app, options),
    bundle: options.bundle,
    publicUrl: settings.publicUrl,
    certificateArn: settings.certificateArn,
    allowedCountries: settings.allowedCountries,
    authDomainPrefix: settings.authDomainPrefix,
    smartIssuers: settings.smartIssuers,
    frameAncestors: settings.frameAncestors,
    messaging: {
      organizationName: settings.organizationName,
      emailDomain: settings.emailDomain,
      smsOriginationIdentity: settings.smsOriginationIdentity,
    },
    reminders: { sendWindow: settings.reminderSendWindow, appointmentOffsetsHours: settings.appointmentReminderOffsetsHours },
    terminationProtection: true,
  });
  addNagChecks(app);
  return stack;
}

/** The whole app in one call (tests). */
export function createSidecarApp(options: SidecarAppOptions): { app: App; stack: SidecarStack } {
  const app = newSidecarApp(options);
  return { app, stack: addSidecarStack(app, options) };
}
