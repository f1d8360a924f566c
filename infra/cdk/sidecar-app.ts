import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addNagChecks } from './nag';
import { SidecarStack } from './sidecar-stack';
import type { CustomDomain } from './constructs/console-distribution';

/**
 * CloudFront only accepts WAF web ACLs (and certificates) from us-east-1, and the web ACL lives in
 * this stack, so the stack does too (docs/decisions/010-aws-topology.md).
 */
export const SIDECAR_REGION = 'us-east-1';
export const SIDECAR_STACK_NAME = 'Sidecar';

/** CDK context keys a deploy may set (`cdk deploy -c sidecar:domainName=...`). */
export const CONTEXT = {
  consoleAssetsDir: 'sidecar:consoleAssetsDir',
  domainName: 'sidecar:domainName',
  certificateArn: 'sidecar:certificateArn',
  allowedCountries: 'sidecar:allowedCountries',
} as const;

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

/** Adds the Sidecar stack to an app and registers the cdk-nag packs as its validation plugins. */
export function addSidecarStack(app: App, options: SidecarAppOptions): SidecarStack {
  const domainName = app.node.tryGetContext(CONTEXT.domainName) as string | undefined;
  const certificateArn = app.node.tryGetContext(CONTEXT.certificateArn) as string | undefined;
  if ((domainName === undefined) !== (certificateArn === undefined)) {
    throw new Error(`Set both ${CONTEXT.domainName} and ${CONTEXT.certificateArn}, or neither`);
  }
  const customDomain: CustomDomain | undefined =
    domainName && certificateArn ? { domainName, certificateArn } : undefined;
  const countries = app.node.tryGetContext(CONTEXT.allowedCountries) as string | string[] | undefined;
  const allowedCountries = typeof countries === 'string' ? countries.split(',').map((c) => c.trim()) : countries;

  const stack = new SidecarStack(app, SIDECAR_STACK_NAME, {
    env: { account: options.account, region: SIDECAR_REGION },
    description: 'Sidecar care-coordination CRM',
    projectRoot: options.projectRoot,
    consoleAssetsDir: consoleAssetsDirOf(app, options),
    bundle: options.bundle,
    customDomain,
    allowedCountries,
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
