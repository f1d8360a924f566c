import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

export interface LeastPrivilegeRoleProps {
  readonly assumedBy: iam.IPrincipal;
  readonly description: string;
}

/**
 * A role that starts empty and collects every grant made to it into one customer-managed policy
 * attached to it alone, instead of CDK's inline default policy (HIPAA Security's IAMNoInlinePolicy:
 * a managed policy is a versioned, separately reviewable document). No AWS managed policy is ever
 * attached.
 */
export class LeastPrivilegeRole extends iam.Role {
  readonly grantsPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: LeastPrivilegeRoleProps) {
    super(scope, id, { assumedBy: props.assumedBy, description: props.description });
    this.grantsPolicy = new iam.ManagedPolicy(this, 'Grants', {
      description: `Grants of: ${props.description}`.slice(0, 1000),
      roles: [this],
    });
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.grantsPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.grantsPolicy };
  }
}
