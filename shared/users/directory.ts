import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { queryKindPartition } from '../db/query-partition';

export const ROLES = ['coordinator', 'nurse', 'admin', 'auditor'] as const;
export const ZRole = z.enum(ROLES);
export type Role = z.infer<typeof ZRole>;

/** Staff ids are the identity provider's `sub` (Cognito: a UUID; locally: `u-casey`…). */
export const ZUserId = z.string().regex(/^[A-Za-z0-9_.@:-]{1,128}$/, 'not a user id');

export const ZUser = z.object({ id: ZUserId, name: z.string().min(1).max(200), role: ZRole });
export type User = z.infer<typeof ZUser>;

const ZDirectoryEntry = ZUser.extend({ lastSignInAt: z.string() });
export type DirectoryEntry = z.infer<typeof ZDirectoryEntry>;

const key = (id: string) => ({ pk: `USER#${id}`, sk: 'A' });
const KIND_PK = 'K#user#0';

/**
 * The staff directory: everyone who has signed in, with the role their identity provider gave
 * them at their last sign-in (the IdP's groups stay the source of truth). Assignment pickers and
 * the audit filters read it. Written on every sign-in; listed with a Query on the kind index.
 */
export async function recordSignIn(ctx: AppContext, user: User): Promise<void> {
  const entry = ZDirectoryEntry.parse({ ...user, lastSignInAt: ctx.clock.now().toISOString() });
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tables.records,
      Item: { ...key(entry.id), entity: 'user', kindPk: KIND_PK, kindSk: entry.id, ...entry },
    }),
  );
}

/** One member of staff, or undefined if they have never signed in. */
export async function findUser(ctx: AppContext, id: string): Promise<DirectoryEntry | undefined> {
  if (!ZUserId.safeParse(id).success) return undefined;
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: key(id) }));
  const parsed = res.Item ? ZDirectoryEntry.safeParse(res.Item) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

/** Everyone in the directory, by id (small: one page per hundred staff). */
export async function listUsers(ctx: AppContext): Promise<DirectoryEntry[]> {
  const users = (await queryKindPartition(ctx, KIND_PK)).map((item) => ZDirectoryEntry.safeParse(item)).flatMap((r) => (r.success ? [r.data] : []));
  return users.sort((a, b) => a.name.localeCompare(b.name));
}
