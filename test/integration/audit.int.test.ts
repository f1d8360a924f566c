import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { ZodError } from 'zod';
import { listAudit, type AuditQuery } from '../../shared/audit/list-audit';
import { type AuditEntry, type AuditInput, recordAudit } from '../../shared/audit/record-audit';
import { AUDIT_SHARDS, auditSk, putAuditItem, toAuditItem } from '../../shared/audit/repository';
import { createContext, type AppContext } from '../../shared/context';
import { encodeCursor } from '../../shared/db/cursor';
import { AUDIT_INDEX } from '../../shared/db/tables';
import { BadRequestError } from '../../shared/errors';
import * as ids from '../../shared/ids';
import { recordSignIn, type Role } from '../../shared/users/directory';
import { loadAuditPage } from '../../web/app/lib/audit.server';
import { useFreshTables } from './support/tables';

/**
 * The append-only audit log: recordAudit writes one conditional Put per record (never a rewrite),
 * listAudit reads it back newest first through the patient index, the actor index or the sharded
 * day partitions, and the console page's loader turns it into rows and paging links.
 */
const tables = useFreshTables();
let now = new Date('2026-03-05T12:00:00.000Z');
let ctx: AppContext;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const ACTORS: { id: string; name: string; role: Role }[] = [
  { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' },
  { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' },
  { id: 'u-avery', name: 'Avery Auditor', role: 'auditor' },
];
const PATIENTS = [ids.newId(), ids.newId(), ids.newId()];
const realNewId = ids.newId;

function input(overrides: Partial<AuditInput> = {}): AuditInput {
  const actor = ACTORS[0]!;
  return {
    actorId: actor.id,
    actorName: actor.name,
    role: actor.role,
    action: 'read',
    resourceType: 'Referral',
    resourceId: ids.newId(),
    requestId: ids.newId(),
    sourceIp: '203.0.113.7',
    via: 'console',
    ...overrides,
  };
}

async function recordAt(iso: string, entries: AuditInput[]): Promise<AuditEntry[]> {
  now = new Date(iso);
  return recordAudit(ctx, entries);
}

const newestFirst = (a: AuditEntry, b: AuditEntry) => (auditSk(a) > auditSk(b) ? -1 : 1);

/** Every page of a query, following the cursor; asserts each page respects the limit. */
async function allPages(query: AuditQuery & { limit: number }): Promise<AuditEntry[]> {
  const seen: AuditEntry[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const page = await listAudit(ctx, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.entries.length).toBeLessThanOrEqual(query.limit);
    seen.push(...page.entries);
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
  }
  throw new Error('paging did not terminate');
}

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => now } });
});

afterEach(() => {
  jest.restoreAllMocks();
});

describe('recordAudit', () => {
  it('stores each record with an id, the clock time and PHI-free keys, and reads it back', async () => {
    const patientId = ids.newId();
    const [read, denied] = await recordAt('2025-06-10T08:15:30.125Z', [
      input({ patientId, action: 'read', resourceType: 'Patient', resourceId: patientId }),
      input({ action: 'denied', resourceType: 'Route', resourceId: 'GET /api/events', outcome: 'denied', via: 'api', sourceIp: '::ffff:127.0.0.1' }),
    ]);
    expect(read!.id).toMatch(ULID);
    expect(read!.at).toBe('2025-06-10T08:15:30.125Z');
    expect(read!.outcome).toBe('allowed');

    const item = toAuditItem(read!);
    const stored = (await tables.db.send(new GetCommand({ TableName: tables.names.audit, Key: { pk: item.pk, sk: item.sk } }))).Item!;
    expect(stored).toEqual(item);
    // Keys hold a day, a shard, a time and ids — nothing else.
    expect(stored.pk).toMatch(new RegExp(`^D#2025-06-10#[0-${AUDIT_SHARDS - 1}]$`));
    expect(stored.sk).toBe(`2025-06-10T08:15:30.125Z#${read!.id}`);
    expect(stored.patientPk).toBe(`P#${patientId}`);
    expect(stored.actorPk).toBe('U#u-casey');
    expect(Object.keys(stored).sort()).toEqual(
      ['pk', 'sk', 'patientPk', 'actorPk', 'id', 'at', 'actorId', 'actorName', 'role', 'action', 'resourceType', 'resourceId', 'patientId', 'requestId', 'sourceIp', 'outcome', 'via'].sort(),
    );

    // No patient: no patient index key at all (the record stays off the patient index).
    const deniedItem = (await tables.db.send(new GetCommand({ TableName: tables.names.audit, Key: { pk: toAuditItem(denied!).pk, sk: toAuditItem(denied!).sk } }))).Item!;
    expect(deniedItem).not.toHaveProperty('patientPk');
    expect(deniedItem).toMatchObject({ action: 'denied', outcome: 'denied', resourceId: 'GET /api/events', actorPk: 'U#u-casey' });
  });

  it('rejects a record carrying anything but ids and codes, and writes none of the batch', async () => {
    const actor = { actorId: 'u-reject', actorName: 'Rejected Writer', role: 'coordinator' as const };
    const bad: unknown[] = [
      { patientName: 'Jane Doe' },
      { patientId: 'Jane Doe' },
      { resourceId: 'Jane#Doe' },
      { resourceType: 'Free text' },
      { action: 'peeked' },
      { sourceIp: 'Jane' },
      { resourceType: 'Route', resourceId: 'Jane Doe was here' },
    ];
    for (const extra of bad) {
      const error = await recordAt('2025-06-11T09:00:00.000Z', [input(actor), input({ ...actor, ...(extra as Partial<AuditInput>) })]).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(/^Audit entry 1 is not valid: /);
      expect((error as Error).message).not.toMatch(/Jane/);
    }
    const written = await tables.db.send(
      new QueryCommand({ TableName: tables.names.audit, IndexName: AUDIT_INDEX.actor, KeyConditionExpression: 'actorPk = :a', ExpressionAttributeValues: { ':a': 'U#u-reject' } }),
    );
    expect(written.Items).toEqual([]);
  });

  it('is append-only: a second write of the same key fails and the first record is kept', async () => {
    jest.spyOn(ids, 'newId').mockReturnValue(realNewId());
    const [first] = await recordAt('2025-06-12T10:00:00.000Z', [input({ action: 'read' })]);
    await expect(recordAt('2025-06-12T10:00:00.000Z', [input({ action: 'update' })])).rejects.toThrow('1 of 1 audit records were not written');
    await expect(putAuditItem(ctx, toAuditItem({ ...first!, action: 'transition' }))).rejects.toBeInstanceOf(ConditionalCheckFailedException);

    const item = toAuditItem(first!);
    const stored = (await tables.db.send(new GetCommand({ TableName: tables.names.audit, Key: { pk: item.pk, sk: item.sk } }))).Item;
    expect(stored).toMatchObject({ action: 'read' });
  });

  it('writes the rest of a batch but still throws when one write fails', async () => {
    const patientId = ids.newId();
    const [one, two, three, four] = [input({ patientId }), input({ patientId }), input({ patientId }), input({ patientId })];
    const taken = realNewId();
    jest.spyOn(ids, 'newId').mockReturnValue(taken);
    await recordAt('2025-06-13T10:00:00.000Z', [one!]);
    // Second batch: the middle record collides with the first one's key, the others are new.
    jest.spyOn(ids, 'newId').mockImplementationOnce(realNewId).mockImplementationOnce(() => taken).mockImplementationOnce(realNewId);
    await expect(recordAt('2025-06-13T10:00:00.000Z', [two!, three!, four!])).rejects.toThrow('1 of 3 audit records were not written');
    jest.restoreAllMocks();
    const page = await listAudit(ctx, { patientId, from: '2025-06-13', to: '2025-06-13' });
    expect(page.entries).toHaveLength(3);
  });

  it('throws when the table cannot be written (callers fail closed)', async () => {
    const broken = createContext({ config: { ...tables.config, tables: { ...tables.config.tables, audit: 'no-such-audit-table' } }, db: tables.db, clock: { now: () => now } });
    await expect(recordAudit(broken, [input()])).rejects.toThrow('1 of 1 audit records were not written');
  });
});

describe('listAudit', () => {
  const DAYS = ['2026-02-26', '2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05'];
  let dataset: AuditEntry[] = [];

  const expected = (q: { patientId?: string; actorId?: string; from: string; to: string }) =>
    dataset
      .filter((e) => (!q.patientId || e.patientId === q.patientId) && (!q.actorId || e.actorId === q.actorId))
      .filter((e) => e.at.slice(0, 10) >= q.from && e.at.slice(0, 10) <= q.to)
      .sort(newestFirst)
      .map((e) => e.id);

  beforeAll(async () => {
    // Day boundaries first, then groups of 1–3 records sharing one clock time, spread over 8 days.
    const times = ['2026-02-28T23:59:59.999Z', '2026-03-01T00:00:00.000Z', '2026-03-01T23:59:59.999Z', '2026-03-02T00:00:00.000Z'];
    for (let g = 0; g < 90; g++) {
      const day = DAYS[(g * 5) % DAYS.length]!;
      const ms = (g * 7_919_003) % 86_400_000;
      times.push(new Date(Date.parse(`${day}T00:00:00.000Z`) + ms).toISOString());
    }
    for (const [g, time] of times.entries()) {
      const entries = Array.from({ length: 1 + (g % 3) }, (_, k) => {
        const actor = ACTORS[(g + k) % ACTORS.length]!;
        const patientId = (g * 3 + k) % 4 === 3 ? undefined : PATIENTS[(g + 2 * k) % PATIENTS.length];
        return input({ actorId: actor.id, actorName: actor.name, role: actor.role, ...(patientId ? { patientId } : {}), action: k === 1 ? 'update' : 'read' });
      });
      dataset.push(...(await recordAt(time, entries)));
    }
    now = new Date('2026-03-05T12:00:00.000Z');
  });

  it('spreads each day over every shard (so the unfiltered view must merge them)', () => {
    const shards = new Set(dataset.map((e) => toAuditItem(e).pk.split('#')[2]));
    expect(shards.size).toBe(AUDIT_SHARDS);
  });

  it('filters by patient, by actor, by both and by neither, newest first', async () => {
    const range = { from: DAYS[0]!, to: DAYS[DAYS.length - 1]! };
    const patientId = PATIENTS[0]!;
    const actorId = ACTORS[1]!.id;
    const byPatient = await allPages({ patientId, ...range, limit: 200 });
    const byActor = await allPages({ actorId, ...range, limit: 200 });
    const byBoth = await allPages({ patientId, actorId, ...range, limit: 200 });
    const everything = await allPages({ ...range, limit: 200 });

    expect(byPatient.map((e) => e.id)).toEqual(expected({ patientId, ...range }));
    expect(byActor.map((e) => e.id)).toEqual(expected({ actorId, ...range }));
    expect(byBoth.map((e) => e.id)).toEqual(expected({ patientId, actorId, ...range }));
    expect(everything.map((e) => e.id)).toEqual(expected(range));
    // Sanity: the filters select proper, non-empty subsets.
    expect(byBoth.length).toBeGreaterThan(0);
    expect(byBoth.length).toBeLessThan(byPatient.length);
    expect(byPatient.length).toBeLessThan(everything.length);
    expect(byActor.every((e) => e.actorId === actorId)).toBe(true);
    expect(everything.map((e) => e.at)).toEqual([...everything.map((e) => e.at)].sort().reverse());
  });

  it('includes both ends of a one-day range and nothing from the days around it', async () => {
    const page = await listAudit(ctx, { from: '2026-03-01', to: '2026-03-01', limit: 200 });
    const times = page.entries.map((e) => e.at);
    expect(times).toContain('2026-03-01T00:00:00.000Z');
    expect(times).toContain('2026-03-01T23:59:59.999Z');
    expect(times).not.toContain('2026-02-28T23:59:59.999Z');
    expect(times).not.toContain('2026-03-02T00:00:00.000Z');
    expect(page.entries.map((e) => e.id)).toEqual(expected({ from: '2026-03-01', to: '2026-03-01' }));
    const forPatient = await listAudit(ctx, { patientId: PATIENTS[1]!, from: '2026-03-01', to: '2026-03-01', limit: 200 });
    expect(forPatient.entries.map((e) => e.id)).toEqual(expected({ patientId: PATIENTS[1]!, from: '2026-03-01', to: '2026-03-01' }));
  });

  it('defaults to the last 7 days (UTC) ending today', async () => {
    const page = await listAudit(ctx, { limit: 200 });
    expect({ from: page.from, to: page.to }).toEqual({ from: '2026-02-27', to: '2026-03-05' });
    expect(page.entries.map((e) => e.id)).toEqual(expected({ from: '2026-02-27', to: '2026-03-05' }));
    expect(dataset.some((e) => e.at.startsWith('2026-02-26'))).toBe(true);
  });

  it('crosses empty days in a 92-day range', async () => {
    const from = '2025-12-04';
    const got = await allPages({ from, to: '2026-03-05', limit: 40 });
    expect(got.map((e) => e.id)).toEqual(expected({ from, to: '2026-03-05' }));
    const old = await listAudit(ctx, { from: '2025-12-04', to: '2026-02-25', limit: 10 });
    expect(old).toEqual({ entries: [], from: '2025-12-04', to: '2026-02-25' });
  });

  it('pages through every matching record exactly once, in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom(...PATIENTS), { nil: undefined }),
        fc.option(fc.constantFrom(...ACTORS.map((a) => a.id)), { nil: undefined }),
        fc.integer({ min: 0, max: DAYS.length - 1 }),
        fc.integer({ min: 0, max: DAYS.length - 1 }),
        fc.integer({ min: 1, max: 30 }),
        async (patientId, actorId, a, b, limit) => {
          const range = { from: DAYS[Math.min(a, b)]!, to: DAYS[Math.max(a, b)]! };
          const filter = { ...(patientId ? { patientId } : {}), ...(actorId ? { actorId } : {}), ...range };
          const got = (await allPages({ ...filter, limit })).map((e) => e.id);
          expect(new Set(got).size).toBe(got.length);
          expect(got).toEqual(expected(filter));
        },
      ),
      { numRuns: 30 },
    );
  });

  it('refuses more than 92 days, a reversed range, odd ids, limits and cursors with a 400', async () => {
    await expect(listAudit(ctx, { from: '2025-12-04', to: '2026-03-05' })).resolves.toMatchObject({ from: '2025-12-04' });
    const tooLong = await listAudit(ctx, { from: '2025-12-03', to: '2026-03-05' }).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(BadRequestError);
    expect((tooLong as BadRequestError).message).toBe('Choose at most 92 days');
    await expect(listAudit(ctx, { from: '2026-03-02', to: '2026-03-01' })).rejects.toBeInstanceOf(BadRequestError);

    for (const query of [{ patientId: 'Jane Doe' }, { patientId: 'x#y' }, { actorId: 'u casey' }, { actorId: 'U#u-casey' }, { from: '2026-02-30' }, { limit: 0 }, { limit: 201 }]) {
      const error = await listAudit(ctx, query).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ZodError);
      expect(JSON.stringify((error as ZodError).issues)).not.toMatch(/Jane|u casey/);
    }
    for (const cursor of ['not-a-cursor', encodeCursor('P#whatever'), encodeCursor('2026-03-01T00:00:00.000Z#not-an-id')]) {
      await expect(listAudit(ctx, { cursor })).rejects.toBeInstanceOf(BadRequestError);
    }
  });

  it('bounds the cost of an actor filter within a patient: a short page whose cursor moves on', async () => {
    // 2,100 records for one patient by Casey, then one by Nora older than all of them: the filtered
    // read evaluates at most 8 pages of 250 per request, so Nora's record arrives on a later page.
    // (Casey's records are bulk-loaded as test setup; the application never batch-writes.)
    const patientId = ids.newId();
    const nora = ACTORS[1]!;
    const [old] = await recordAt('2025-09-01T08:00:00.000Z', [input({ patientId, actorId: nora.id, actorName: nora.name, role: nora.role })]);
    const busy = Array.from({ length: 2100 }, (_, i) =>
      toAuditItem({ ...input({ patientId }), id: realNewId(), at: new Date(Date.parse('2025-09-01T09:00:00.000Z') + i * 1000).toISOString(), outcome: 'allowed' }),
    );
    for (let i = 0; i < busy.length; i += 25) {
      await tables.db.send(new BatchWriteCommand({ RequestItems: { [tables.names.audit]: busy.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    now = new Date('2026-03-05T12:00:00.000Z');
    const query = { patientId, actorId: nora.id, from: '2025-09-01', to: '2025-09-01', limit: 50 };
    const first = await listAudit(ctx, query);
    expect(first.entries).toEqual([]);
    expect(first.nextCursor).toBeDefined();
    const second = await listAudit(ctx, { ...query, cursor: first.nextCursor! });
    expect(second.entries.map((e) => e.id)).toEqual([old!.id]);
    expect(second.nextCursor).toBeUndefined();
  });
});

describe('the audit page loader', () => {
  const patientId = ids.newId();
  const referralId = ids.newId();

  beforeAll(async () => {
    await recordSignIn(ctx, { id: 'u-avery', name: 'Avery Auditor', role: 'auditor' });
    for (let i = 0; i < 3; i++) {
      await recordAt(`2025-11-0${i + 1}T10:00:00.000Z`, [input({ patientId, resourceType: 'Referral', resourceId: referralId, action: 'transition' })]);
    }
    now = new Date('2025-11-05T12:00:00.000Z');
  });

  it('shows rows, links the viewer may follow, the directory and an Older link that keeps the filters', async () => {
    const params = new URLSearchParams({ patient: patientId, from: '2025-11-01', to: '2025-11-05' });
    const { status, data } = await loadAuditPage(ctx, 'auditor', params);
    expect(status).toBe(200);
    if (!data.ok) throw new Error('expected a page');
    expect(data.rows).toHaveLength(3);
    expect(data.rows[0]).toMatchObject({
      at: '2025-11-03T10:00:00.000Z',
      actorName: 'Casey Coordinator',
      action: 'Changed status',
      via: 'Console',
      resourceHref: `/referrals/${referralId}`,
      patientHref: `/patients/${patientId}`,
      patientTrailHref: `/audit?patient=${patientId}`,
    });
    expect(data.users).toContainEqual({ id: 'u-avery', label: 'Avery Auditor (auditor)' });
    expect(data.olderHref).toBeUndefined();

    // Admins may read the log but not referrals or patients: ids without dead links.
    const asAdmin = await loadAuditPage(ctx, 'admin', params);
    if (!asAdmin.data.ok) throw new Error('expected a page');
    expect(asAdmin.data.rows[0]).toMatchObject({ resourceHref: undefined, patientHref: undefined, resourceId: referralId });

    const paged = await loadAuditPage(ctx, 'auditor', new URLSearchParams({ patient: patientId }));
    if (!paged.data.ok) throw new Error('expected a page');
    expect(paged.data.form).toMatchObject({ from: '2025-10-30', to: '2025-11-05' });
    expect(paged.data.rows).toHaveLength(3);
  });

  it('pages with Older and Newest links built from validated values only', async () => {
    // 50 per page: add enough records to need a second page.
    await recordAt('2025-11-04T10:00:00.000Z', Array.from({ length: 50 }, () => input({ patientId })));
    now = new Date('2025-11-05T12:00:00.000Z');
    const first = await loadAuditPage(ctx, 'auditor', new URLSearchParams({ patient: patientId, from: '2025-11-01', to: '2025-11-05', extra: 'ignored' }));
    if (!first.data.ok) throw new Error('expected a page');
    expect(first.data.rows).toHaveLength(50);
    const older = new URL(first.data.olderHref!, 'http://console');
    expect(older.pathname).toBe('/audit');
    expect([...older.searchParams.keys()].sort()).toEqual(['cursor', 'from', 'patient', 'to']);
    const second = await loadAuditPage(ctx, 'auditor', older.searchParams);
    if (!second.data.ok) throw new Error('expected a page');
    expect(second.data.rows).toHaveLength(3);
    expect(second.data.newestHref).toBe(`/audit?patient=${patientId}&from=2025-11-01&to=2025-11-05`);
    expect(new Set([...first.data.rows, ...second.data.rows].map((r) => r.id)).size).toBe(53);
  });

  it('answers invalid filters with a visible 400 that does not echo them', async () => {
    const { status, data } = await loadAuditPage(ctx, 'auditor', new URLSearchParams({ patient: 'Jane Doe', from: '2025-11-01', to: 'soon' }));
    expect(status).toBe(400);
    expect(data.ok).toBe(false);
    if (data.ok) return;
    expect(data.fieldErrors).toEqual({ patient: expect.any(String), to: expect.any(String) });
    expect(data.form).toEqual({ patient: undefined, user: undefined, from: '2025-11-01', to: undefined });
    expect(JSON.stringify(data)).not.toMatch(/Jane|soon/);

    const tooLong = await loadAuditPage(ctx, 'auditor', new URLSearchParams({ from: '2025-01-01', to: '2025-11-05' }));
    expect(tooLong.status).toBe(400);
    expect(tooLong.data).toMatchObject({ ok: false, message: 'Choose at most 92 days' });

    const badCursor = await loadAuditPage(ctx, 'auditor', new URLSearchParams({ cursor: encodeCursor('nope') }));
    expect(badCursor.status).toBe(400);
  });
});
