import { Validations, type CfnResource, type PolicyViolation } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, rules, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The rule packs Sidecar must pass: AWS Solutions and HIPAA Security. */
export function nagPacks(scope?: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope), new HIPAASecurityChecks(scope)];
}

/**
 * Registers the packs as policy-validation plugins of the app: synthesis (and so `cdk synth` and
 * `cdk deploy`) fails on any finding, error or warning, that is not acknowledged with a reason.
 */
export function addNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(...nagPacks(app));
}

export interface NagFinding {
  /** e.g. `AwsSolutions-IAM5[Action::s3:*]` */
  readonly rule: string;
  readonly severity: string | undefined;
  readonly description: string;
  readonly constructPath: string;
}

/**
 * Runs the packs over a construct tree and returns every unacknowledged finding, one per rule and
 * resource. The same packs, with the same acknowledgements, as synthesis runs.
 */
export function nagFindings(scope: IConstruct): NagFinding[] {
  return nagPacks().flatMap((pack) =>
    pack.validateScope(scope).violations.flatMap((violation: PolicyViolation) =>
      violation.violatingResources.map((resource) => ({
        rule: violation.ruleName,
        severity: violation.severity,
        description: violation.description,
        constructPath: resource.constructPath ?? resource.resourceLogicalId ?? '?',
      })),
    ),
  );
}

/**
 * Acknowledges nag rules on a construct (and everything under it), each with its reason. Keep the
 * scope as narrow as the finding: a resource, not a stack.
 */
export function acknowledge(scope: IConstruct, rules: ReadonlyArray<readonly [id: string, reason: string]>): void {
  for (const [id, reason] of rules) {
    if (reason.trim().length < 20) throw new Error(`Acknowledgement of ${id} needs a real reason`);
    Validations.of(scope).acknowledge({ id, reason });
  }
}

/**
 * Acknowledges the AwsSolutions-IAM5 (wildcard) findings of one IAM policy that match `accepted`,
 * and only those: any other wildcard that appears in the policy later still fails the check.
 * The finding ids are computed from the policy itself, so they follow the account and partition
 * (a deploy with a concrete account renders different ids than an offline synth).
 */
export function acknowledgeWildcards(policy: CfnResource, accepted: readonly RegExp[], reason: string): void {
  const findings = rules.iam.IAMNoWildcardPermissions(policy);
  if (!Array.isArray(findings)) return;
  for (const finding of findings) {
    if (accepted.some((pattern) => pattern.test(finding))) {
      acknowledge(policy, [[`AwsSolutions-IAM5[${finding}]`, reason]]);
    }
  }
}
