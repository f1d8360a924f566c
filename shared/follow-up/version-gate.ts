import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { isNewerVersion } from '../fhir/versions';
import { externalKey } from '../ids';

/**
 * The last EHR version of each resource the follow-up rules acted on, one small item per
 * resource keyed by a digest of (source, reference) — never the EHR id itself, which may be
 * MRN-like. Lets the rules ignore an older event that arrives after a newer one.
 */
const versionKey = (sourceId: string, reference: string) => ({ pk: `FUV#${externalKey(sourceId, reference)}`, sk: 'A' });

interface VersionedResource {
  sourceId: string;
  reference: string;
  version: string;
}

/** The version the rules last applied for a resource, if any. */
export async function appliedFollowUpVersion(ctx: AppContext, resource: Omit<VersionedResource, 'version'>): Promise<string | undefined> {
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: versionKey(resource.sourceId, resource.reference), ConsistentRead: true }));
  return typeof res.Item?.version === 'string' ? res.Item.version : undefined;
}

/**
 * Records that the rules applied `version` of a resource, unless a newer one was recorded
 * meanwhile (a concurrent delivery): the stored version only ever moves forward. Called after
 * the work is done, so an event that failed half-way is still applied when it is replayed.
 */
export async function recordFollowUpVersion(ctx: AppContext, resource: VersionedResource): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await appliedFollowUpVersion(ctx, resource);
    if (!isNewerVersion(resource.version, current)) return;
    try {
      await ctx.db.send(
        new PutCommand({
          TableName: ctx.config.tables.records,
          Item: { ...versionKey(resource.sourceId, resource.reference), entity: 'follow-up-version', version: resource.version },
          ConditionExpression: current === undefined ? 'attribute_not_exists(pk)' : '#version = :current',
          ...(current === undefined ? {} : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':current': current } }),
        }),
      );
      return;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
