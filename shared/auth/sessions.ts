import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { AppContext } from '../context';
import { isConditionFailure } from '../db/batch';
import { ZRole, ZUserId, type User } from '../users/directory';

/**
 * Server-side console sessions. The browser holds only a random 256-bit id in an httpOnly cookie;
 * the records table holds `SESSION#<sha256(id)>` (so a table read never yields a usable cookie)
 * with the user, the CSRF token, and two clocks: idle (default 15 min since the last request) and
 * absolute (default 12 h since sign-in; also the item's TTL). Sign-out deletes the item.
 */
const ZSession = z.object({
  user: z.object({ id: ZUserId, name: z.string(), role: ZRole }),
  csrf: z.string().min(32),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.number().int(),
  /** The IdP's ID token, kept only as `id_token_hint` for RP-initiated logout. */
  idToken: z.string().optional(),
  via: z.enum(['oidc', 'smart']).default('oidc'),
});
export type Session = z.infer<typeof ZSession> & { id: string };

/** Writes of lastSeenAt are coalesced: at most one per minute per session. */
const TOUCH_EVERY_MS = 60_000;

const digest = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const sessionKey = (id: string) => ({ pk: `SESSION#${digest(id)}`, sk: 'A' });
const handshakeKey = (id: string) => ({ pk: `HANDSHAKE#${digest(id)}`, sk: 'A' });

/** A new random secret (cookie values, CSRF tokens, OAuth state). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export async function createSession(ctx: AppContext, user: User, options: { idToken?: string; via?: 'oidc' | 'smart' } = {}): Promise<Session> {
  const id = randomToken();
  const now = ctx.clock.now();
  const item = ZSession.parse({
    user,
    csrf: randomToken(),
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: Math.floor(now.getTime() / 1000) + ctx.config.session.maxHours * 3600,
    ...(options.idToken ? { idToken: options.idToken } : {}),
    via: options.via ?? 'oidc',
  });
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tables.records,
      Item: { ...sessionKey(id), entity: 'session', ...item },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return { ...item, id };
}

/**
 * The live session for a cookie value, or undefined when unknown, idle too long or past its
 * absolute lifetime (an ended session is deleted). Extends the idle clock.
 */
export async function loadSession(ctx: AppContext, id: string | undefined): Promise<Session | undefined> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const res = await ctx.db.send(new GetCommand({ TableName: ctx.config.tables.records, Key: sessionKey(id), ConsistentRead: true }));
  const parsed = res.Item ? ZSession.safeParse(res.Item) : undefined;
  if (!parsed?.success) return undefined;
  const session = parsed.data;
  const now = ctx.clock.now();
  const idleMs = ctx.config.session.idleMinutes * 60_000;
  const lastSeen = Date.parse(session.lastSeenAt);
  if (now.getTime() - lastSeen > idleMs || now.getTime() >= session.expiresAt * 1000) {
    await endSession(ctx, id);
    return undefined;
  }
  if (now.getTime() - lastSeen >= TOUCH_EVERY_MS) {
    try {
      await ctx.db.send(
        new UpdateCommand({
          TableName: ctx.config.tables.records,
          Key: sessionKey(id),
          UpdateExpression: 'SET lastSeenAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND lastSeenAt = :seen',
          ExpressionAttributeValues: { ':now': now.toISOString(), ':seen': session.lastSeenAt },
        }),
      );
    } catch (error) {
      // A concurrent request already moved the clock (or signed out): both are fine here.
      if (!isConditionFailure(error)) throw error;
    }
  }
  return { ...session, id, lastSeenAt: now.toISOString() };
}

/** Sign-out: the session is gone for every tab and device holding the cookie. */
export async function endSession(ctx: AppContext, id: string): Promise<void> {
  await ctx.db.send(new DeleteCommand({ TableName: ctx.config.tables.records, Key: sessionKey(id) }));
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A short-lived, single-use record of an OAuth round trip in flight (OIDC sign-in or SMART launch):
 * state, nonce, PKCE verifier and where to return. Bound to the browser by a random cookie whose
 * digest is the key; taken (read and deleted) exactly once by the callback.
 */
export async function saveHandshake<T extends Record<string, unknown>>(ctx: AppContext, data: T, ttlSeconds = 600): Promise<string> {
  const id = randomToken();
  const expiresAt = Math.floor(ctx.clock.now().getTime() / 1000) + ttlSeconds;
  await ctx.db.send(
    new PutCommand({
      TableName: ctx.config.tables.records,
      Item: { ...handshakeKey(id), entity: 'handshake', data, expiresAt },
      ConditionExpression: 'attribute_not_exists(pk)',
    }),
  );
  return id;
}

/** The handshake for a cookie value, deleted as it is read; undefined if unknown, used or expired. */
export async function takeHandshake(ctx: AppContext, id: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (!id || !/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  try {
    const res = await ctx.db.send(
      new DeleteCommand({ TableName: ctx.config.tables.records, Key: handshakeKey(id), ReturnValues: 'ALL_OLD', ConditionExpression: 'attribute_exists(pk)' }),
    );
    const item = res.Attributes;
    if (!item || typeof item.expiresAt !== 'number' || item.expiresAt * 1000 <= ctx.clock.now().getTime()) return undefined;
    return item.data as Record<string, unknown>;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}
