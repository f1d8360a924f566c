import { ZodError } from 'zod';
import { getConsent } from '../../shared/consent/get-consent';
import { listConsentHistory } from '../../shared/consent/list-consent-history';
import { recordConsentChange, type RecordConsentChangeInput } from '../../shared/consent/record-consent-change';
import { recordConsoleConsentChange } from '../../shared/consent/record-console-consent-change';
import { consentAllows } from '../../shared/consent/schema';
import { type AppContext, createContext } from '../../shared/context';
import { BadRequestError, ConflictError, NotFoundError } from '../../shared/errors';
import { newId } from '../../shared/ids';
import { getPatientOverview, overviewAuditResources } from '../../shared/patients/get-patient-overview';
import { insertPatient } from '../../shared/patients/repository';
import { cancelRemindersFor } from '../../shared/reminders/cancel-reminders';
import { createReminder } from '../../shared/reminders/create-reminder';
import { useFreshTables } from './support/tables';

const tables = useFreshTables();
const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const MINUTE = 60_000;
const iso = (minutes: number) => new Date(T0 + minutes * MINUTE).toISOString();
const CASEY = { id: 'u-casey', name: 'Casey Coordinator', role: 'coordinator' as const };
const NORA = { id: 'u-nora', name: 'Nora Nurse', role: 'nurse' as const };
const PATIENT_SMS = { id: 'system:sms-reply', name: 'Patient (SMS reply)' };
let nowMs = T0;
let ctx: AppContext;

beforeAll(() => {
  ctx = createContext({ config: tables.config, db: tables.db, clock: { now: () => new Date(nowMs) } });
});
beforeEach(() => {
  nowMs = T0;
});

async function newPatient(): Promise<string> {
  const id = newId();
  await insertPatient(ctx, { id, name: { text: 'Rosa Diaz', given: ['Rosa'], family: 'Diaz' }, phones: [], emails: [], pending: false, version: 1, createdAt: iso(0), updatedAt: iso(0) });
  return id;
}

const optIn = (patientId: string, patch: Partial<RecordConsentChangeInput> = {}): RecordConsentChangeInput => ({
  patientId,
  channel: 'sms',
  change: 'opt-in',
  source: 'console',
  actor: { id: CASEY.id, name: CASEY.name },
  ...patch,
});
const stop = (patientId: string, patch: Partial<RecordConsentChangeInput> = {}): RecordConsentChangeInput => ({
  patientId,
  channel: 'sms',
  change: 'opt-out',
  source: 'sms-keyword',
  actor: PATIENT_SMS,
  ...patch,
});

describe('recordConsentChange', () => {
  it('records an opt-in then an opt-out, and the same opt-out again as unchanged', async () => {
    const patientId = await newPatient();
    expect(await getConsent(ctx, patientId)).toEqual({ sms: { channel: 'sms', status: 'unknown', version: 0 }, email: { channel: 'email', status: 'unknown', version: 0 } });

    const first = await recordConsentChange(ctx, optIn(patientId, { note: 'Agreed at the front desk' }));
    expect(first).toEqual({
      outcome: 'recorded',
      state: { channel: 'sms', status: 'opted-in', source: 'console', at: iso(0), version: 1 },
      entry: expect.objectContaining({ change: 'opt-in', source: 'console', actor: { id: CASEY.id, name: CASEY.name }, at: iso(0), note: 'Agreed at the front desk' }),
    });
    expect(consentAllows((await getConsent(ctx, patientId)).sms)).toBe(true);

    nowMs = T0 + MINUTE;
    expect((await recordConsentChange(ctx, stop(patientId))).outcome).toBe('recorded');
    nowMs = T0 + 2 * MINUTE;
    const again = await recordConsentChange(ctx, stop(patientId, { source: 'sms-reply' }));
    expect(again).toEqual({ outcome: 'unchanged', state: { channel: 'sms', status: 'opted-out', source: 'sms-keyword', at: iso(1), version: 2 } });

    const consent = await getConsent(ctx, patientId);
    expect(consentAllows(consent.sms)).toBe(false);
    expect(consent.email.status).toBe('unknown');
    expect(consentAllows(consent.email)).toBe(false);
    expect((await listConsentHistory(ctx, patientId)).entries.map((e) => `${e.change}:${e.source}:${e.at}`)).toEqual([`opt-out:sms-keyword:${iso(1)}`, `opt-in:console:${iso(0)}`]);
  });

  it('keeps each channel apart', async () => {
    const patientId = await newPatient();
    await recordConsentChange(ctx, optIn(patientId, { channel: 'email' }));
    await recordConsentChange(ctx, stop(patientId));
    const consent = await getConsent(ctx, patientId);
    expect([consent.email.status, consent.sms.status]).toEqual(['opted-in', 'opted-out']);
  });

  it('records two concurrent changes both, in order, with the state of the last', async () => {
    const patientId = await newPatient();
    const results = await Promise.all([recordConsentChange(ctx, optIn(patientId)), recordConsentChange(ctx, stop(patientId))]);
    expect(results.map((r) => r.outcome)).toEqual(['recorded', 'recorded']);

    const history = (await listConsentHistory(ctx, patientId)).entries;
    expect(history).toHaveLength(2);
    const state = (await getConsent(ctx, patientId)).sms;
    expect(state.version).toBe(2);
    expect(state.status).toBe(history[0]!.change === 'opt-in' ? 'opted-in' : 'opted-out');
    expect(new Set(history.map((e) => e.change))).toEqual(new Set(['opt-in', 'opt-out']));
  });

  it('decides again once after losing a race, and gives up with a 409 when it loses twice', async () => {
    const patientId = await newPatient();
    const original = ctx.db.send.bind(ctx.db);
    const rivals = [stop(patientId), optIn(patientId, { source: 'ehr', actor: { id: 'system:ehr', name: 'EHR' } })];
    let interfering = false;
    let interfered = 0;
    // Right before each of its writes, another change lands first.
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
      if (!interfering && command.constructor.name === 'TransactWriteCommand' && interfered < rivals.length) {
        interfering = true;
        try {
          await recordConsentChange(ctx, rivals[interfered++]!);
        } finally {
          interfering = false;
        }
      }
      return original(command as never);
    }) as never);
    try {
      await expect(recordConsentChange(ctx, optIn(patientId, { source: 'sms-keyword', actor: PATIENT_SMS }))).rejects.toThrow(ConflictError);
    } finally {
      spy.mockRestore();
    }
    expect(interfered).toBe(2);
    expect((await listConsentHistory(ctx, patientId)).entries.map((e) => `${e.change}:${e.source}`)).toEqual(['opt-in:ehr', 'opt-out:sms-keyword']);
    expect((await getConsent(ctx, patientId)).sms).toEqual(expect.objectContaining({ status: 'opted-in', source: 'ehr', version: 2 }));
  });

  it('keeps an older change in the history without undoing a newer one', async () => {
    const patientId = await newPatient();
    nowMs = T0 + 10 * MINUTE;
    await recordConsentChange(ctx, stop(patientId));
    const late = await recordConsentChange(ctx, optIn(patientId, { source: 'ehr', actor: { id: 'system:ehr', name: 'EHR' }, at: iso(5) }));

    expect(late.outcome).toBe('superseded');
    expect((await getConsent(ctx, patientId)).sms).toEqual(expect.objectContaining({ status: 'opted-out', version: 1 }));
    expect((await listConsentHistory(ctx, patientId)).entries.map((e) => `${e.change}:${e.at}`)).toEqual([`opt-out:${iso(10)}`, `opt-in:${iso(5)}`]);
  });

  it('refuses an unknown patient (404), a change its source cannot make, and a time in the future', async () => {
    await expect(recordConsentChange(ctx, optIn(newId()))).rejects.toThrow(NotFoundError);
    const patientId = await newPatient();
    await expect(recordConsentChange(ctx, stop(patientId, { channel: 'email' }))).rejects.toThrow(ZodError);
    await expect(recordConsentChange(ctx, optIn(patientId, { source: 'complaint' }))).rejects.toThrow(ZodError);
    await expect(recordConsentChange(ctx, optIn(patientId, { at: iso(60) }))).rejects.toThrow(BadRequestError);
    expect((await listConsentHistory(ctx, patientId)).entries).toEqual([]);
  });
});

describe('recordConsoleConsentChange', () => {
  /** Runs `rival` to completion right before the first consent write that `ctx` sends. */
  async function withRivalBeforeFirstWrite<T>(rival: () => Promise<unknown>, act: () => Promise<T>): Promise<T> {
    const original = ctx.db.send.bind(ctx.db);
    let rivalRan = false;
    const spy = jest.spyOn(ctx.db, 'send').mockImplementation((async (command: { constructor: { name: string } }) => {
      if (!rivalRan && command.constructor.name === 'TransactWriteCommand') {
        rivalRan = true;
        await rival();
      }
      return original(command as never);
    }) as never);
    try {
      return await act();
    } finally {
      spy.mockRestore();
      expect(rivalRan).toBe(true);
    }
  }

  it('refuses the second of two people who saw the same version, even when their changes cross: the ledger keeps only the first', async () => {
    const patientId = await newPatient();
    // Both looked at the page while nothing was recorded (version 0). Nora's opt-out lands
    // between Casey's read of the state and Casey's write of the opt-in.
    const noras = () => recordConsoleConsentChange(ctx, { actor: NORA, patientId, input: { channel: 'sms', change: 'opt-out', version: 0 } });
    const caseys = withRivalBeforeFirstWrite(noras, () => recordConsoleConsentChange(ctx, { actor: CASEY, patientId, input: { channel: 'sms', change: 'opt-in', version: 0 } }));

    await expect(caseys).rejects.toThrow(ConflictError);
    await expect(caseys).rejects.toMatchObject({ details: { currentVersion: 1 } });
    expect((await listConsentHistory(ctx, patientId)).entries.map((e) => `${e.change}:${e.actor.name}`)).toEqual(['opt-out:Nora Nurse']);
    expect((await getConsent(ctx, patientId)).sms).toEqual(expect.objectContaining({ status: 'opted-out', source: 'console', version: 1 }));
  });

  it('refuses a stale version even when the channel already has the status asked for', async () => {
    const patientId = await newPatient();
    await recordConsentChange(ctx, stop(patientId));
    await recordConsentChange(ctx, optIn(patientId, { source: 'sms-keyword', actor: PATIENT_SMS }));
    nowMs = T0 + MINUTE;
    await recordConsentChange(ctx, stop(patientId));

    await expect(recordConsoleConsentChange(ctx, { actor: CASEY, patientId, input: { channel: 'sms', change: 'opt-out', version: 1 } })).rejects.toMatchObject({
      details: { currentVersion: 3 },
    });
    expect(await recordConsoleConsentChange(ctx, { actor: CASEY, patientId, input: { channel: 'sms', change: 'opt-out', version: 3 } })).toMatchObject({ outcome: 'unchanged' });
    expect((await listConsentHistory(ctx, patientId)).entries).toHaveLength(3);
  });

  it('without a version, decides on the state it finds (the API’s unchecked form)', async () => {
    const patientId = await newPatient();
    await recordConsentChange(ctx, stop(patientId));
    const result = await recordConsoleConsentChange(ctx, { actor: CASEY, patientId, input: { channel: 'sms', change: 'opt-in' } });
    expect(result).toMatchObject({ outcome: 'recorded', state: { status: 'opted-in', version: 2 } });
  });

  it('404s an unknown patient', async () => {
    await expect(recordConsoleConsentChange(ctx, { actor: CASEY, patientId: newId(), input: { channel: 'sms', change: 'opt-in', version: 0 } })).rejects.toThrow(NotFoundError);
  });
});

describe('listConsentHistory', () => {
  it('lists every channel newest first, bounded, saying when more exist', async () => {
    const patientId = await newPatient();
    const steps: RecordConsentChangeInput[] = [optIn(patientId), optIn(patientId, { channel: 'email' }), stop(patientId), optIn(patientId, { source: 'sms-keyword', actor: PATIENT_SMS })];
    for (const [i, change] of steps.entries()) {
      nowMs = T0 + i * MINUTE;
      await recordConsentChange(ctx, change);
    }
    const all = await listConsentHistory(ctx, patientId);
    expect(all.capped).toBe(false);
    expect(all.entries.map((e) => `${e.channel}:${e.change}`)).toEqual(['sms:opt-in', 'sms:opt-out', 'email:opt-in', 'sms:opt-in']);
    const page = await listConsentHistory(ctx, patientId, { limit: 3 });
    expect(page).toEqual({ entries: all.entries.slice(0, 3), capped: true });
  });
});

describe('the patient overview', () => {
  it('shows consent changes and reminder history on the timeline, with codes and no message text', async () => {
    const patientId = await newPatient();
    await recordConsentChange(ctx, optIn(patientId));
    nowMs = T0 + MINUTE;
    const { reminder } = await createReminder(ctx, { actor: CASEY, input: { patientId, channel: 'sms', templateId: 'appointment-reminder', dueAt: iso(600), links: { appointment: { sourceId: 'ehr-test', reference: 'Appointment/ov-1' } } } });
    nowMs = T0 + 2 * MINUTE;
    await recordConsentChange(ctx, stop(patientId, { source: 'sms-reply' }));
    nowMs = T0 + 3 * MINUTE;
    await cancelRemindersFor(ctx, { appointment: { sourceId: 'ehr-test', reference: 'Appointment/ov-1' }, reason: 'appointment-cancelled' });

    for (const role of ['coordinator', 'nurse', 'auditor'] as const) {
      const overview = await getPatientOverview(ctx, { id: patientId, role });
      expect(overview.timeline.entries.map((e) => `${e.item.type}:${e.item.label}:${e.kind}:${e.to?.status ?? ''}:${e.reason ?? ''}:${e.actor.name}`)).toEqual([
        'reminder:Appointment reminder (SMS):transition:cancelled:appointment-cancelled:Reminders',
        'consent:SMS consent:opt-out:opted-out:sms-reply:Patient (SMS reply)',
        'reminder:Appointment reminder (SMS):created:scheduled::Casey Coordinator',
        'consent:SMS consent:opt-in:opted-in:console:Casey Coordinator',
      ]);
      expect(overview.timeline.entries.find((e) => e.item.type === 'reminder')?.item.id).toBe(reminder.id);
      // Reminders are listed by reminder id, the consent ledger once by patient id.
      expect(overviewAuditResources(overview).listed).toEqual([
        { resourceType: 'Reminder', resourceId: reminder.id, patientId },
        { resourceType: 'Consent', resourceId: patientId, patientId },
      ]);
    }
  });

  it('shows an admin (no patient access) none of it', async () => {
    const patientId = await newPatient();
    await recordConsentChange(ctx, optIn(patientId));
    expect((await getPatientOverview(ctx, { id: patientId, role: 'admin' })).timeline.entries).toEqual([]);
  });
});
