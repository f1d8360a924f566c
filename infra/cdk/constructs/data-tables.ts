import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, type KeyAttribute, type TableDefinition } from '../../../shared/db/tables';

/**
 * What a function may do with a table. `appendQuery` is PutItem and Query only (the audit trail:
 * written by the paths with a human actor, read back by auditors, never rewritten); no level
 * includes Scan.
 */
export type TableAccess = 'none' | 'read' | 'appendQuery' | 'readWrite';

/** A deployed table with the definition it was built from and the key that encrypts it. */
export interface SidecarTable {
  readonly definition: TableDefinition;
  readonly table: dynamodb.TableV2;
  readonly key: kms.IKey;
}

export interface DataTablesProps {
  /** Customer-managed key for every table. */
  readonly key: kms.IKey;
}

/**
 * Operations that could rewrite history in an append-only table. BatchWriteItem is authorised as
 * itself, not as the PutItem/DeleteItem it carries, so it is denied as a whole.
 */
const HISTORY_REWRITING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

const attribute = (a: KeyAttribute): dynamodb.Attribute => ({
  name: a.name,
  type: a.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/**
 * The tables of shared/db/tables.ts (the only place their shape is defined) as DynamoDB tables:
 * on-demand, encrypted with the customer-managed key, point-in-time recovery, deletion protection,
 * retained when the stack is deleted, TTL where defined, every index projecting all attributes.
 * An append-only table also carries a resource policy denying updates and deletes to every
 * principal, so the guarantee does not rest on grants alone.
 */
export class DataTables extends Construct {
  readonly records: SidecarTable;
  readonly inbox: SidecarTable;
  readonly audit: SidecarTable;
  readonly all: readonly SidecarTable[];

  constructor(scope: Construct, id: string, props: DataTablesProps) {
    super(scope, id);
    const byId = new Map<TableDefinition['id'], SidecarTable>();
    for (const definition of TABLES) {
      const table = new dynamodb.TableV2(this, definition.id, {
        partitionKey: attribute(definition.partitionKey),
        sortKey: definition.sortKey ? attribute(definition.sortKey) : undefined,
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.customerManagedKey(props.key),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
        removalPolicy: RemovalPolicy.RETAIN,
        timeToLiveAttribute: definition.ttlAttribute,
        globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
          indexName: index.name,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
          projectionType: dynamodb.ProjectionType.ALL,
        })),
        resourcePolicy: definition.appendOnly
          ? new iam.PolicyDocument({
              statements: [
                new iam.PolicyStatement({
                  sid: 'AppendOnly',
                  effect: iam.Effect.DENY,
                  principals: [new iam.AnyPrincipal()],
                  actions: HISTORY_REWRITING_ACTIONS,
                  resources: ['*'],
                }),
              ],
            })
          : undefined,
      });
      byId.set(definition.id, { definition, table, key: props.key });
    }
    const get = (tableId: TableDefinition['id']): SidecarTable => {
      const found = byId.get(tableId);
      if (!found) throw new Error(`shared/db/tables.ts defines no ${tableId} table`);
      return found;
    };
    this.records = get('records');
    this.inbox = get('inbox');
    this.audit = get('audit');
    this.all = [...byId.values()];
  }
}
