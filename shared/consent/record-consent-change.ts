import { z } from 'zod';
import type { AppContext } from '../context';
import { BadRequestError, ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { getPatientRecord } from '../patients/repository';
import { ZActorRef } from '../referrals/schema';
import { appendConsentEntry, readConsentStates, writeConsentChange } from './repository';
import { type ConsentEntry, type ConsentState, sourceCanChange, STATUS_AFTER, ZConsentChange, ZConsentChannel, ZConsentSource } from './schema';

/** How far ahead of the clock a reported change time may be (clock skew between systems). */
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export const ZRecordConsentChangeInput = z
  .object({
    patientId: z.string().min(1).max(64),
    channel: ZConsentChannel,
    change: ZConsentChange,
    source: ZConsentSource,
    /** Who recorded it: a member of staff, the EHR, or the patient's own channel (`system:sms-reply`). */
    actor: ZActorRef,
    /** When the change happened (the EHR's time, the reply's arrival); defaults to now. */
    at: z.iso.datetime({ offset: true }).optional(),
    /** A short staff note. Never the patient's message text. */
    note: z.string().trim().min(1).max(500).optional(),
    /**
     * The channel state's version the caller saw (0 while nothing was recorded): when given, the
     * change is made only on exactly that version, else a ConflictError. Omitted: decided on
     * whatever the state is (a patient's own keyword, an EHR event, a delivery event).
     */
    expectedVersion: z.number().int().min(0).optional(),
  })
  .superRefine((input, issue) => {
    if (!sourceCanChange(input.source, input.channel, input.change)) {
      issue.addIssue({ code: 'custom', path: ['source'], message: `A ${input.source} change cannot ${input.change} on ${input.channel}` });
    }
  });
export type RecordConsentChangeInput = z.input<typeof ZRecordConsentChangeInput>;

export interface RecordedConsentChange {
  /**
   * `recorded`: the state changed, with its entry; `unchanged`: the channel already had that
   * status (nothing written); `superseded`: a later change already set the state, so this older
   * one is only added to the history.
   */
  outcome: 'recorded' | 'unchanged' | 'superseded';
  /** The channel's current state after the call. */
  state: ConsentState;
  entry?: ConsentEntry;
}

/** Attempts at a change: the first, and one more after losing a race to a concurrent change. */
const ATTEMPTS = 2;

/**
 * Records an opt-in or opt-out for one patient and channel: the new current state and its ledger
 * entry in one transaction, conditional on the state's version (so two concurrent changes are both
 * recorded, in order, and the state is the last one); a lost race is decided again once on the new
 * state, then a ConflictError. With `expectedVersion` (a person who looked at the state first), a
 * state at any other version — before the write or by losing the race — is a ConflictError with
 * `currentVersion`, never decided again: two people who saw the same version cannot both change it.
 * Recording the status the channel already has is a no-op (`unchanged`); a change older than the
 * current state's is kept in the history only (`superseded`), so a late EHR event never undoes a
 * patient's newer STOP. Each entry shows on the patient's timeline. 404 for an unknown patient;
 * 400 for a change its source cannot make.
 */
export async function recordConsentChange(ctx: AppContext, options: RecordConsentChangeInput): Promise<RecordedConsentChange> {
  const input = ZRecordConsentChangeInput.parse(options);
  const now = ctx.clock.now();
  const at = input.at ? new Date(input.at) : now;
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) throw new BadRequestError('The consent change cannot be in the future', { path: 'at' });
  if (!(await getPatientRecord(ctx, input.patientId))) throw new NotFoundError('Patient not found');

  const status = STATUS_AFTER[input.change];
  for (let attempt = 1; ; attempt++) {
    const current = (await readConsentStates(ctx, input.patientId))[input.channel];
    if (input.expectedVersion !== undefined && current.version !== input.expectedVersion) {
      throw new ConflictError('The patient’s contact preferences changed since you looked; reload and try again', { currentVersion: current.version });
    }
    if (current.status === status) return { outcome: 'unchanged', state: current };
    const entry: ConsentEntry = {
      id: newId(),
      patientId: input.patientId,
      channel: input.channel,
      change: input.change,
      source: input.source,
      actor: { id: input.actor.id, name: input.actor.name },
      at: at.toISOString(),
      ...(input.note ? { note: input.note } : {}),
    };
    if (current.at && entry.at < current.at) {
      await appendConsentEntry(ctx, entry);
      return { outcome: 'superseded', state: current, entry };
    }
    const state: ConsentState = { channel: input.channel, status, source: input.source, at: entry.at, version: current.version + 1 };
    try {
      await writeConsentChange(ctx, state, current.version, entry);
      return { outcome: 'recorded', state, entry };
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
