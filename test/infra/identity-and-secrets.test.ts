import { CfnResource } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { ENV } from '../../shared/config/env-names';
import { ROLES } from '../../shared/users/directory';
import { CONTEXT } from '../../infra/cdk/sidecar-app';
import type { SidecarStack } from '../../infra/cdk/sidecar-stack';
import {
  asArray,
  buildSidecar,
  FIXTURE_PUBLIC_URL,
  identityStatements,
  refersTo,
  synthesiseSidecar,
  type PolicyStatementJson,
  type SynthesisedSidecar,
} from './sidecar-app-fixture';

type Json = Record<string, any>;

let sidecar: SynthesisedSidecar;
let template: Template;
let stack: SidecarStack;

beforeAll(() => {
  sidecar = synthesiseSidecar();
  template = sidecar.template;
  stack = sidecar.stack;
});
afterAll(() => sidecar?.cleanUp());

const logicalIdIn = (s: SidecarStack, construct: IConstruct): string =>
  s.getLogicalId((CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild) as CfnResource);
const logicalId = (construct: IConstruct) => logicalIdIn(stack, construct);
const onlyResource = (t: Template, type: string): Json => {
  const resources = Object.values(t.findResources(type));
  expect(resources).toHaveLength(1);
  return resources[0]!;
};
const variablesOf = (t: Template, s: SidecarStack, fn: { function: IConstruct }): Json =>
  t.findResources('AWS::Lambda::Function')[logicalIdIn(s, fn.function)]!.Properties.Environment.Variables;
const statementsOf = (fn: { role: { grantsPolicy: IConstruct } }): PolicyStatementJson[] => {
  const policyId = logicalId(fn.role.grantsPolicy);
  return identityStatements(template)
    .filter((entry) => entry.policyId === policyId)
    .map((entry) => entry.statement);
};
const secretActionsOf = (fn: { role: { grantsPolicy: IConstruct } }): string[] =>
  statementsOf(fn)
    .flatMap((statement) => asArray(statement.Action))
    .filter((action) => action.startsWith('secretsmanager:'))
    .sort();

/** The secret ARN pattern the stack grants on, as CloudFormation renders it. */
const WEBHOOK_SECRET_ARNS = {
  'Fn::Join': ['', ['arn:aws:secretsmanager:us-east-1:', { Ref: 'AWS::AccountId' }, ':secret:sidecar/webhook-source/*']],
};

describe('Cognito user pool (staff sign-in)', () => {
  test('administrators create accounts; sign-in by username or email, case-insensitive', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').Properties;
    expect(pool.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(pool.AliasAttributes).toEqual(['email']);
    expect(pool.UsernameConfiguration).toEqual({ CaseSensitive: false });
  });

  test('MFA is required and TOTP is the only factor (no SMS, no email codes)', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').Properties;
    expect(pool.MfaConfiguration).toBe('ON');
    expect(pool.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
  });

  test('passwords: at least 14 characters of every class; temporary passwords last at most 3 days', () => {
    const policy = onlyResource(template, 'AWS::Cognito::UserPool').Properties.Policies.PasswordPolicy;
    expect(policy).toEqual(
      expect.objectContaining({
        MinimumLength: 14,
        RequireLowercase: true,
        RequireUppercase: true,
        RequireNumbers: true,
        RequireSymbols: true,
      }),
    );
    expect(policy.TemporaryPasswordValidityDays).toBeLessThanOrEqual(3);
  });

  test('accounts are recovered by verified email only', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').Properties;
    expect(pool.AccountRecoverySetting).toEqual({ RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] });
  });

  test('Plus plan with threat protection enforced, and leaked passwords blocked', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool').Properties;
    expect(pool.UserPoolTier).toBe('PLUS');
    expect(pool.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
    const risk = onlyResource(template, 'AWS::Cognito::UserPoolRiskConfigurationAttachment').Properties;
    expect(risk.UserPoolId).toEqual({ Ref: logicalId(stack.identity.userPool) });
    expect(risk.CompromisedCredentialsRiskConfiguration.Actions).toEqual({ EventAction: 'BLOCK' });
    expect(risk.AccountTakeoverRiskConfiguration.Actions.HighAction.EventAction).toBe('BLOCK');
  });

  test('deletion-protected and retained when the stack goes', () => {
    const pool = onlyResource(template, 'AWS::Cognito::UserPool');
    expect(pool.Properties.DeletionProtection).toBe('ACTIVE');
    expect(pool.DeletionPolicy).toBe('Retain');
    expect(pool.UpdateReplacePolicy).toBe('Retain');
  });

  test('one group per Sidecar role, named exactly as ROLES spells it', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup'));
    expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual([...ROLES].sort());
    for (const group of groups) expect(group.Properties.UserPoolId).toEqual({ Ref: logicalId(stack.identity.userPool) });
  });

  test('a managed-login domain, prefixed with stack name and account by default, styled for the console client', () => {
    const domain = onlyResource(template, 'AWS::Cognito::UserPoolDomain').Properties;
    expect(domain.Domain).toEqual({ 'Fn::Join': ['', ['sidecar-', { Ref: 'AWS::AccountId' }]] });
    expect(domain.ManagedLoginVersion).toBe(2);
    const style = onlyResource(template, 'AWS::Cognito::ManagedLoginBranding').Properties;
    expect(style.ClientId).toEqual({ Ref: logicalId(stack.identity.consoleClient) });
  });
});

describe('console app client', () => {
  test('public client, authorization code only, openid/profile/email, Cognito users only', () => {
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties;
    expect(client.GenerateSecret).toBe(false);
    expect(client.AllowedOAuthFlows).toEqual(['code']);
    expect(client.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect([...client.AllowedOAuthScopes].sort()).toEqual(['email', 'openid', 'profile']);
    expect(client.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_USER_PASSWORD_AUTH');
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_ADMIN_USER_PASSWORD_AUTH');
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_CUSTOM_AUTH');
  });

  test('callback and sign-out URLs derive from the public URL', () => {
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties;
    expect(client.CallbackURLs).toEqual([`${FIXTURE_PUBLIC_URL}/auth/callback`]);
    expect(client.LogoutURLs).toEqual([`${FIXTURE_PUBLIC_URL}/`]);
  });

  test('short-lived tokens: 15-minute access and ID tokens, 12-hour refresh; revocable; no user enumeration', () => {
    const client = onlyResource(template, 'AWS::Cognito::UserPoolClient').Properties;
    const minutes = (value: number, unit: string) => value * ({ minutes: 1, hours: 60, days: 1440 } as Record<string, number>)[unit]!;
    const units = client.TokenValidityUnits;
    expect(minutes(client.AccessTokenValidity, units.AccessToken)).toBe(15);
    expect(minutes(client.IdTokenValidity, units.IdToken)).toBe(15);
    expect(minutes(client.RefreshTokenValidity, units.RefreshToken)).toBe(12 * 60);
    expect(client.EnableTokenRevocation).toBe(true);
    expect(client.PreventUserExistenceErrors).toBe('ENABLED');
  });
});

describe('function environment', () => {
  test('api and console: public URL, Cognito issuer, client, pool and groups claim; SMART issuers default to none', () => {
    const poolId = logicalId(stack.identity.userPool);
    for (const fn of [stack.functions.api, stack.functions.console]) {
      const variables = variablesOf(template, stack, fn);
      expect(variables).toEqual(
        expect.objectContaining({
          [ENV.publicUrl]: FIXTURE_PUBLIC_URL,
          [ENV.oidcIssuer]: { 'Fn::GetAtt': [poolId, 'ProviderURL'] },
          [ENV.oidcClientId]: { Ref: logicalId(stack.identity.consoleClient) },
          [ENV.cognitoUserPoolId]: { Ref: poolId },
          [ENV.oidcGroupsClaim]: 'cognito:groups',
          [ENV.sessionIdleMinutes]: '15',
          [ENV.sessionMaxHours]: '12',
          [ENV.smartIssuers]: '[]',
        }),
      );
      expect(variables[ENV.frameAncestors]).toBeUndefined();
    }
  });

  test('the console and the webhooks get the secrets prefix and the data key; the api and consumers get neither', () => {
    const keyArn = { 'Fn::GetAtt': [logicalId(stack.keys.data), 'Arn'] };
    for (const fn of [stack.functions.console, stack.functions.webhooks]) {
      expect(variablesOf(template, stack, fn)).toEqual(
        expect.objectContaining({ [ENV.secretsPrefix]: 'sidecar/', [ENV.secretsKmsKeyId]: keyArn }),
      );
    }
    for (const fn of [stack.functions.api, ...stack.functions.consumers.values()]) {
      const variables = variablesOf(template, stack, fn);
      expect(variables[ENV.secretsPrefix]).toBeUndefined();
      expect(variables[ENV.secretsKmsKeyId]).toBeUndefined();
    }
  });

  test('sign-in settings go to the api and console only', () => {
    for (const fn of [stack.functions.webhooks, stack.functions.republishSweep, stack.functions.slaBreachSweep, ...stack.functions.consumers.values()]) {
      const variables = variablesOf(template, stack, fn);
      for (const name of [ENV.oidcIssuer, ENV.oidcClientId, ENV.cognitoUserPoolId, ENV.publicUrl]) {
        expect(variables[name]).toBeUndefined();
      }
    }
  });
});

describe('webhook-source secrets (Secrets Manager)', () => {
  test('the console manages them: create, put, get, describe, on the sidecar/webhook-source/ prefix only', () => {
    expect(secretActionsOf(stack.functions.console)).toEqual([
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    const create = statementsOf(stack.functions.console).find((s) => asArray(s.Action).includes('secretsmanager:CreateSecret'));
    // Only under the stack's key: never under the AWS managed aws/secretsmanager key.
    expect((create as Json).Condition).toEqual({
      StringEquals: { 'secretsmanager:KmsKeyArn': { 'Fn::GetAtt': [logicalId(stack.keys.data), 'Arn'] } },
    });
  });

  test('the webhooks function only reads them: it can neither create nor overwrite a secret', () => {
    expect(secretActionsOf(stack.functions.webhooks)).toEqual(['secretsmanager:GetSecretValue']);
  });

  test('no other function has any Secrets Manager permission', () => {
    const others = [stack.functions.api, stack.functions.deadLetterRecorder, stack.functions.republishSweep, stack.functions.slaBreachSweep, ...stack.functions.consumers.values()];
    for (const fn of others) expect(secretActionsOf(fn)).toEqual([]);
  });

  test('every Secrets Manager grant is on the webhook-source prefix, never "*"', () => {
    const statements = identityStatements(template).filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith('secretsmanager:')),
    );
    expect(statements.length).toBeGreaterThan(0);
    for (const { policyId, statement } of statements) {
      expect({ policyId, resource: statement.Resource }).toEqual({ policyId, resource: WEBHOOK_SECRET_ARNS });
    }
  });

  test('the data key serves those secrets only through Secrets Manager, and only for that prefix', () => {
    const keyId = logicalId(stack.keys.data);
    for (const [fn, actions] of [
      [stack.functions.console, ['kms:Decrypt', 'kms:GenerateDataKey']],
      [stack.functions.webhooks, ['kms:Decrypt']],
    ] as const) {
      const viaSecretsManager = statementsOf(fn).filter((s) => (s as Json).Condition?.StringEquals?.['kms:ViaService']);
      expect(viaSecretsManager).toHaveLength(1);
      const statement = viaSecretsManager[0] as Json;
      expect(asArray(statement.Action).sort()).toEqual([...actions]);
      expect(refersTo(statement.Resource, keyId)).toBe(true);
      expect(JSON.stringify(statement.Condition.StringEquals['kms:ViaService'])).toContain('secretsmanager.us-east-1.');
      expect(statement.Condition.ArnLike['kms:EncryptionContext:SecretARN']).toEqual(WEBHOOK_SECRET_ARNS);
    }
  });

  test("the data key's policy delegates to IAM in this account, so those identity grants take effect", () => {
    const key = template.findResources('AWS::KMS::Key')[logicalId(stack.keys.data)]!;
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'kms:*',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
      }),
    );
  });

  test('the stack itself holds no secret (they are created at runtime)', () => {
    expect(template.findResources('AWS::SecretsManager::Secret')).toEqual({});
  });
});

describe('deploy context', () => {
  test('synthesis fails, naming the key, for a public URL that is not https', () => {
    expect(() => buildSidecar({ [CONTEXT.publicUrl]: 'http://sidecar.example-hospital.org' })).toThrow(
      /sidecar:publicUrl.*scheme must be https/,
    );
  });

  test('a custom domain: the certificate and the public URL host go on the distribution, TLS 1.2 minimum', () => {
    const custom = synthesiseSidecar({
      [CONTEXT.publicUrl]: 'https://sidecar.example-hospital.org',
      [CONTEXT.certificateArn]: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
      [CONTEXT.authDomainPrefix]: 'example-hospital-sidecar',
      [CONTEXT.smartIssuers]: '[{"iss":"https://ehr.example-hospital.org/fhir/R4","clientId":"sidecar"}]',
      [CONTEXT.frameAncestors]: 'https://ehr.example-hospital.org https://portal.example-hospital.org',
    });
    try {
      const config = onlyResource(custom.template, 'AWS::CloudFront::Distribution').Properties.DistributionConfig;
      expect(config.Aliases).toEqual(['sidecar.example-hospital.org']);
      expect(config.ViewerCertificate).toEqual(
        expect.objectContaining({
          AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666',
          MinimumProtocolVersion: 'TLSv1.2_2021',
        }),
      );
      const client = onlyResource(custom.template, 'AWS::Cognito::UserPoolClient').Properties;
      expect(client.CallbackURLs).toEqual(['https://sidecar.example-hospital.org/auth/callback']);
      expect(onlyResource(custom.template, 'AWS::Cognito::UserPoolDomain').Properties.Domain).toBe('example-hospital-sidecar');
      const variables = variablesOf(custom.template, custom.stack, custom.stack.functions.console);
      expect(JSON.parse(variables[ENV.smartIssuers])).toEqual([
        { iss: 'https://ehr.example-hospital.org/fhir/R4', clientId: 'sidecar' },
      ]);
      expect(variables[ENV.frameAncestors]).toBe('https://ehr.example-hospital.org https://portal.example-hospital.org');
      expect(variables[ENV.publicUrl]).toBe('https://sidecar.example-hospital.org');
    } finally {
      custom.cleanUp();
    }
  });

  test('without a public URL the stack builds on a placeholder, and warns that sign-in will not work', () => {
    const placeholder = buildSidecar({ [CONTEXT.publicUrl]: undefined });
    try {
      const warnings = placeholder.stack.node.metadata
        .filter((entry) => entry.type === 'aws:cdk:warning')
        .map((entry) => String(entry.data));
      expect(warnings).toEqual([expect.stringContaining('sidecar:publicUrl is https://sidecar.example.org')]);
    } finally {
      placeholder.cleanUp();
    }
  });

  test('the default fixture (a *.cloudfront.net public URL) raises no such warning', () => {
    expect(stack.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning')).toEqual([]);
  });
});
