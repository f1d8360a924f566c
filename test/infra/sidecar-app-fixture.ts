import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT, createSidecarApp } from '../../infra/cdk/sidecar-app';
import type { SidecarStack } from '../../infra/cdk/sidecar-stack';

/** The repository root, as infra/cdk/app.ts computes it from its own location. */
export const PROJECT_ROOT = path.resolve(__dirname, '../..');

/**
 * The public URL the fixture deploys with unless a test says otherwise: a distribution's own
 * *.cloudfront.net name (AWS's documentation example), which needs no certificate.
 */
export const FIXTURE_PUBLIC_URL = 'https://d111111abcdef8.cloudfront.net';

/** The reminder settings the fixture deploys with unless a test says otherwise (a fully configured deploy). */
export const FIXTURE_MESSAGING = {
  organizationName: 'Example Hospital',
  emailDomain: 'example-hospital.org',
  smsOriginationIdentity: 'arn:aws:sms-voice:us-east-1:111122223333:phone-number/phone-0123456789abcdef0123456789abcdef',
} as const;

export interface BuiltSidecar {
  app: App;
  stack: SidecarStack;
  /** Removes the temporary client build and cloud assembly. */
  cleanUp(): void;
}

export interface SynthesisedSidecar extends BuiltSidecar {
  template: Template;
}

/**
 * The Sidecar app as the CLI builds it (cdk.json context, nag plugins registered), except that
 * the functions are not bundled and the console's client build is a stand-in folder shaped like
 * Remix's (hashed files under assets/, one root file), so no web build is needed. The context
 * defaults to FIXTURE_PUBLIC_URL as the public URL and FIXTURE_MESSAGING's reminder settings;
 * `context` adds to or overrides them (an empty string unsets one).
 */
export function buildSidecar(context: Record<string, unknown> = {}): BuiltSidecar {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sidecar-infra-'));
  const clientBuild = path.join(tmp, 'client');
  mkdirSync(path.join(clientBuild, 'assets'), { recursive: true });
  writeFileSync(path.join(clientBuild, 'assets', 'entry.client-AbCd1234.js'), 'export {};\n');
  writeFileSync(path.join(clientBuild, 'favicon.ico'), '');

  const cleanUp = () => rmSync(tmp, { recursive: true, force: true });
  try {
    const { app, stack } = createSidecarApp({
      projectRoot: PROJECT_ROOT,
      consoleAssetsDir: clientBuild,
      bundle: false,
      outdir: path.join(tmp, 'cdk.out'),
      context: {
        [CONTEXT.publicUrl]: FIXTURE_PUBLIC_URL,
        [CONTEXT.organizationName]: FIXTURE_MESSAGING.organizationName,
        [CONTEXT.emailDomain]: FIXTURE_MESSAGING.emailDomain,
        [CONTEXT.smsOriginationIdentity]: FIXTURE_MESSAGING.smsOriginationIdentity,
        ...context,
      },
    });
    return { app, stack, cleanUp };
  } catch (error) {
    cleanUp(); // a refused context throws before the caller could clean up
    throw error;
  }
}

/** buildSidecar, synthesised. Synthesis runs the cdk-nag plugins: it throws on any unacknowledged finding. */
export function synthesiseSidecar(context: Record<string, unknown> = {}): SynthesisedSidecar {
  const built = buildSidecar(context);
  return { ...built, template: Template.fromStack(built.stack) };
}

type Json = Record<string, unknown>;

export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
}

/** Every IAM statement of every identity policy in the template, with the policy's logical id. */
export function identityStatements(template: Template): Array<{ policyId: string; statement: PolicyStatementJson }> {
  const out: Array<{ policyId: string; statement: PolicyStatementJson }> = [];
  const add = (policyId: string, doc: unknown) => {
    const statements = ((doc as Json | undefined)?.Statement ?? []) as PolicyStatementJson[];
    for (const statement of statements) out.push({ policyId, statement });
  };
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, resource] of Object.entries(template.findResources(type))) {
      add(id, (resource.Properties as Json).PolicyDocument);
    }
  }
  for (const [id, resource] of Object.entries(template.findResources('AWS::IAM::Role'))) {
    for (const policy of ((resource.Properties as Json).Policies ?? []) as Json[]) add(id, policy.PolicyDocument);
  }
  return out;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Whether a (CloudFormation) value refers to the resource with this logical id. */
export function refersTo(value: unknown, logicalId: string): boolean {
  return JSON.stringify(value).includes(`"${logicalId}"`);
}
