/**
 * The one definition of Sidecar's DynamoDB tables: keys, global secondary indexes, TTL.
 * The CDK stack (infra/cdk) and the local bootstrap (infra/local) both build from it.
 * No key or index key may hold patient data: only opaque ids, digests, enums and times.
 */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface GlobalIndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

export interface TableDefinition {
  /** Logical id; the physical name comes from configuration. */
  id: 'records' | 'inbox' | 'audit';
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  globalIndexes: GlobalIndexDefinition[];
  /** Attribute holding an epoch-seconds expiry; reads still filter expired items. */
  ttlAttribute?: string;
  /** Append-only tables grant the application no update or delete. */
  appendOnly?: boolean;
}

const S = (name: string): KeyAttribute => ({ name, type: 'S' });

export const RECORDS_INDEX = {
  /** Referral queue: `Q#<queue>#<status>` → `<priorityRank>#<dueAt>#<id>`. */
  queue: 'queue',
  /** Assigned work: `A#<userId>#<status>` → same sort key as the queue. */
  assignee: 'assignee',
  /** Funnel view: `Q#<queue>#B#<businessStatus>` → same sort key as the queue. */
  business: 'business',
  /** A patient's records: `P#<patientId>` → `<kind>#<createdAt>#<id>`. */
  patient: 'patient',
  /** Records of a kind, sharded: `K#<kind>#<shard>` → `<createdAt>#<id>`. */
  kind: 'kind',
  /**
   * SLA clocks (sparse): `DUE#<shard>` → `<dueAt>#<kind>#<id>`, only on open, not-on-hold tasks and
   * referrals whose due time has not breached yet. The breach sweep Queries `dueSk < now`.
   */
  due: 'due',
} as const;

export const INBOX_INDEX = {
  /** Accepted but not yet published: `PENDING#<shard>` → `<receivedAt>#<id>` (sparse). */
  pending: 'pending',
  /** Every accepted event by day: `DAY#<yyyy-mm-dd>#<shard>` → `<receivedAt>#<id>`. */
  recent: 'recent',
  /** Events with a consumer whose last attempt failed: `FAILED#<shard>` → `<failedAt>#<id>` (sparse). */
  failed: 'failed',
} as const;

export const AUDIT_INDEX = {
  patient: 'patient',
  actor: 'actor',
} as const;

export const TABLES: readonly TableDefinition[] = [
  {
    id: 'records',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      { name: RECORDS_INDEX.queue, partitionKey: S('queuePk'), sortKey: S('queueSk') },
      { name: RECORDS_INDEX.assignee, partitionKey: S('assigneePk'), sortKey: S('queueSk') },
      { name: RECORDS_INDEX.business, partitionKey: S('businessPk'), sortKey: S('queueSk') },
      { name: RECORDS_INDEX.patient, partitionKey: S('patientPk'), sortKey: S('patientSk') },
      { name: RECORDS_INDEX.kind, partitionKey: S('kindPk'), sortKey: S('kindSk') },
      { name: RECORDS_INDEX.due, partitionKey: S('duePk'), sortKey: S('dueSk') },
    ],
    // Console sessions and sign-in/launch handshakes expire; domain records never set it.
    ttlAttribute: 'expiresAt',
  },
  {
    id: 'inbox',
    partitionKey: S('pk'),
    globalIndexes: [
      { name: INBOX_INDEX.pending, partitionKey: S('pendingPk'), sortKey: S('pendingSk') },
      { name: INBOX_INDEX.recent, partitionKey: S('recentPk'), sortKey: S('recentSk') },
      { name: INBOX_INDEX.failed, partitionKey: S('failedPk'), sortKey: S('failedSk') },
    ],
    ttlAttribute: 'expiresAt',
  },
  {
    id: 'audit',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    globalIndexes: [
      { name: AUDIT_INDEX.patient, partitionKey: S('patientPk'), sortKey: S('sk') },
      { name: AUDIT_INDEX.actor, partitionKey: S('actorPk'), sortKey: S('sk') },
    ],
    appendOnly: true,
  },
];

export function tableDefinition(id: TableDefinition['id']): TableDefinition {
  const def = TABLES.find((t) => t.id === id);
  if (!def) throw new Error(`Unknown table ${id}`);
  return def;
}
