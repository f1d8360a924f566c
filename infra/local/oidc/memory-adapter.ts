import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';

/** Expired entries are swept at most this often (on a write), so a long local run does not grow. */
const SWEEP_EVERY_MS = 60_000;

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

/**
 * The provider's storage for local runs: sessions, interactions, grants, codes and refresh tokens
 * in one in-memory map per provider, expiring by their TTL. Passing our own adapter (rather than
 * relying on oidc-provider's built-in one, which warns on every start) keeps local runs quiet;
 * everything is lost on restart, which for a local stand-in is the point. `revokeByGrantId` drops
 * every artefact of a grant, so sign-out invalidates its refresh tokens. Device flow is off, so
 * user codes are never stored.
 */
export function createMemoryAdapter(now: () => number = Date.now): AdapterFactory {
  const entries = new Map<string, Entry>();
  const sessionIdByUid = new Map<string, string>();
  const keysByGrant = new Map<string, Set<string>>();
  let lastSweep = now();

  const live = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt > now()) return entry.payload;
    entries.delete(key);
    return undefined;
  };

  const sweep = () => {
    lastSweep = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= lastSweep) entries.delete(key);
    for (const [uid, id] of sessionIdByUid) if (!entries.has(`Session:${id}`)) sessionIdByUid.delete(uid);
    for (const [grantId, keys] of keysByGrant) {
      for (const key of keys) if (!entries.has(key)) keys.delete(key);
      if (keys.size === 0) keysByGrant.delete(grantId);
    }
  };

  return (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        if (now() - lastSweep > SWEEP_EVERY_MS) sweep();
        const key = keyOf(id);
        entries.set(key, { payload, expiresAt: expiresIn ? now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
        if (model === 'Session' && payload.uid) sessionIdByUid.set(payload.uid, id);
        if (payload.grantId) {
          const keys = keysByGrant.get(payload.grantId) ?? new Set<string>();
          keysByGrant.set(payload.grantId, keys.add(key));
        }
      },
      async find(id) {
        return live(keyOf(id));
      },
      async findByUid(uid) {
        const id = sessionIdByUid.get(uid);
        return id === undefined ? undefined : live(keyOf(id));
      },
      async findByUserCode() {
        return undefined;
      },
      async consume(id) {
        const payload = live(keyOf(id));
        if (payload) payload.consumed = Math.floor(now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of keysByGrant.get(grantId) ?? []) entries.delete(key);
        keysByGrant.delete(grantId);
      },
    };
  };
}
