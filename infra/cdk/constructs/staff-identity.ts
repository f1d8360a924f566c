import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ENV } from '../../../shared/config/env-names';
import { ROLES, type Role } from '../../../shared/users/directory';
import type { SidecarFunction } from './sidecar-function';

export interface StaffIdentityProps {
  /** The console's external https origin (no trailing slash): the callback and sign-out URLs derive from it. */
  readonly publicUrl: string;
  /**
   * Prefix of the Cognito-hosted sign-in domain (`<prefix>.auth.<region>.amazoncognito.com`), unique
   * per region across all of AWS. Defaults to the stack name plus the account id.
   */
  readonly domainPrefix?: string;
}

/** One sentence per role, shown in the Cognito console beside each group. */
const ROLE_DESCRIPTIONS: Record<Role, string> = {
  coordinator: 'Care coordinators: work referral queues until each loop is closed',
  nurse: 'Nurses: post-discharge calls and care-plan follow-ups',
  admin: 'Administrators: webhook sources and other Sidecar settings',
  auditor: 'Auditors: read the audit trail',
};

/**
 * Console session lengths. The refresh token's validity is the absolute session lifetime, so the
 * app's own session cannot outlive the sign-in it rests on; both are set from here.
 */
export const STAFF_SESSION = { idleMinutes: 15, maxHours: 12 } as const;

/** The callback path the console's sign-in route handles (the app and this stack must agree). */
export const AUTH_CALLBACK_PATH = '/auth/callback';

/**
 * Staff sign-in on AWS: a Cognito user pool (administrators create accounts, no self sign-up; TOTP
 * MFA required; 14-character passwords; Plus plan with threat protection enforced; retained and
 * deletion-protected), one group per Sidecar role, a Cognito-hosted managed login domain, and one
 * public app client for the console (authorization code with PKCE, short-lived tokens). See
 * docs/decisions/060-identity-on-aws.md.
 */
export class StaffIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly consoleClient: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  readonly groups: ReadonlyMap<Role, cognito.UserPoolGroup>;
  readonly publicUrl: string;

  constructor(scope: Construct, id: string, props: StaffIdentityProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.publicUrl = props.publicUrl;

    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true }, fullname: { required: false, mutable: true } },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false, email: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      userInvitation: {
        emailSubject: 'Your Sidecar account',
        emailBody: `Your Sidecar username is {username} and your temporary password is {####}. Sign in at ${props.publicUrl}/ within 3 days; you will choose a new password and set up an authenticator app.`,
      },
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Threat protection's responses, stated rather than left to defaults: a password known to be
    // leaked never signs in; a high-risk sign-in is blocked even with a correct TOTP.
    new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'RiskResponses', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
        actions: { eventAction: 'BLOCK' },
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          highAction: { eventAction: 'BLOCK', notify: false },
          mediumAction: { eventAction: 'MFA_REQUIRED', notify: false },
          lowAction: { eventAction: 'MFA_REQUIRED', notify: false },
        },
      },
    });

    const groups = new Map<Role, cognito.UserPoolGroup>();
    for (const role of ROLES) {
      groups.set(
        role,
        new cognito.UserPoolGroup(this, `Group-${role}`, {
          userPool: this.userPool,
          groupName: role,
          description: ROLE_DESCRIPTIONS[role],
        }),
      );
    }
    this.groups = groups;

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? defaultDomainPrefix(stack) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    this.consoleClient = this.userPool.addClient('ConsoleClient', {
      userPoolClientName: 'sidecar-console',
      // A public client: the console proves possession with PKCE (S256), not a stored secret.
      generateSecret: false,
      // The console only ever signs in through the hosted pages; SRP is Cognito's own password
      // protocol for them, and refresh keeps the session alive for at most STAFF_SESSION.maxHours.
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.PROFILE, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${props.publicUrl}${AUTH_CALLBACK_PATH}`],
        logoutUrls: [`${props.publicUrl}/`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(STAFF_SESSION.maxHours),
      // Time to finish one sign-in; first sign-ins also set a password and enrol an authenticator.
      authSessionValidity: Duration.minutes(10),
    });

    // Managed login (version 2) shows an error page to any client without a style: give the
    // console Cognito's default one.
    new cognito.CfnManagedLoginBranding(this, 'ConsoleLoginStyle', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.consoleClient.userPoolClientId,
      useCognitoProvidedValues: true,
    });
  }

  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the OIDC issuer of staff tokens. */
  get issuer(): string {
    return this.userPool.userPoolProviderUrl;
  }

  /**
   * Gives a function staff sign-in: the public URL, the Cognito issuer, client and pool, the groups
   * claim and the session lengths. No IAM grant: tokens are verified against the pool's public keys.
   */
  bindSignIn(fn: SidecarFunction): void {
    fn.addEnvironment(ENV.publicUrl, this.publicUrl);
    fn.addEnvironment(ENV.oidcIssuer, this.issuer);
    fn.addEnvironment(ENV.oidcClientId, this.consoleClient.userPoolClientId);
    fn.addEnvironment(ENV.cognitoUserPoolId, this.userPool.userPoolId);
    fn.addEnvironment(ENV.oidcGroupsClaim, 'cognito:groups');
    fn.addEnvironment(ENV.sessionIdleMinutes, String(STAFF_SESSION.idleMinutes));
    fn.addEnvironment(ENV.sessionMaxHours, String(STAFF_SESSION.maxHours));
  }
}

/**
 * `<stack name>-<account id>`, lower case: unique per account (and the stack is single-region),
 * readable, and free of the words Cognito reserves as long as the stack name is.
 */
function defaultDomainPrefix(stack: Stack): string {
  const name = stack.stackName.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return `${name}-${stack.account}`;
}
