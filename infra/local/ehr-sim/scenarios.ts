import { randomUUID } from 'node:crypto';
import type { Appointment, Condition, Encounter, Patient, Resource, ServiceRequest } from '@medplum/fhirtypes';
import { BadRequestError, ConflictError, NotFoundError } from '../../../shared/errors';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './catalogue';
import { PRACTITIONERS, PRIORITIES, SPECIALTIES } from './codes';
import type { Delivery, WebhookSender } from './delivery';
import type { Interaction, NotifiedType, Notifier } from './notifications';
import {
  appointmentsFor as appointmentsIn,
  consultNotesFor,
  isReferral,
  patientIdOf,
  searchNewestFirst,
  UPCOMING_APPOINTMENT as UPCOMING,
  type Stored,
} from './queries';
import type { SimRepository } from './repository';
import { buildAppointment, buildCondition, buildConsultNote, buildDischargeEncounter, buildReferral, simMeta, specialtyOfCondition } from './resources';
import { startOfUtcDay } from './seed';

export interface ScenarioOptions {
  /** The referral to act on; default: see each scenario's rule in SCENARIOS. */
  serviceRequestId?: string;
  /** new-referral and discharge: the patient (default: the next seeded patient in turn); discharge-entered-in-error: narrows its target. */
  patientId?: string;
}

export interface ScenarioResult {
  scenario: ScenarioName;
  /** The referral acted on; absent for scenarios about other resources (discharges). */
  serviceRequestId?: string;
  patientId: string | undefined;
  /** Every resource the scenario created or changed, as `Type/id`, in write order. */
  resources: string[];
  /** One per webhook sent, in order. */
  deliveries: Delivery[];
}

export interface ScenarioContext {
  repo: SimRepository;
  notifier: Notifier;
  sender: WebhookSender;
  now: () => Date;
  seededPatientIds: readonly string[];
}

/** FHIR's id syntax; also keeps odd input out of error messages and searches. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const REQUESTERS = PRACTITIONERS.filter((p) => p.role === 'requester');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * Booked appointments start on the 5th to 8th day after today (UTC), at 14:00–16:00 UTC: always
 * more than 4 days ahead, so Sidecar's reminders (72 h and 24 h before, by default) are all still
 * to come rather than "too late".
 */
const FIRST_APPOINTMENT_DAY = 5;
/** How far `appointment-moved` moves a visit. */
const MOVE_BY_MS = 2 * DAY;
/** FHIR R4 appointment-cancellation-reason: the patient cancelled. */
const CANCELLED_BY_PATIENT = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason', code: 'pat', display: 'Patient' }],
};

export interface ScenarioRunner {
  run(name: string, options?: ScenarioOptions): Promise<ScenarioResult>;
}

/**
 * Scenarios change the FHIR store the way a clinician's action in the EHR would, then notify
 * Sidecar with one full-resource notification Bundle per changed resource. Runs are serialised so
 * event numbers go out in order and two runs never pick the same default target.
 */
export function createScenarioRunner(ctx: ScenarioContext): ScenarioRunner {
  const { repo, notifier, sender, now } = ctx;
  let newReferralCount = 0;
  let appointmentCount = 0;
  let dischargeCount = 0;
  let queue: Promise<unknown> = Promise.resolve();

  async function read<T extends Resource>(resourceType: T['resourceType'], id: string): Promise<Stored<T>> {
    if (!FHIR_ID.test(id)) throw new BadRequestError(`Invalid ${resourceType} id`);
    try {
      return (await repo.readResource<T>(resourceType, id)) as Stored<T>;
    } catch {
      throw new NotFoundError(`${resourceType}/${id} not found`);
    }
  }

  const appointmentsFor = (srId: string) => appointmentsIn(repo, srId);
  const upcomingAppointment = async (srId: string) => (await appointmentsFor(srId)).find((a) => UPCOMING.has(a.status));
  const hasConsultNote = async (srId: string) => (await consultNotesFor(repo, srId)).length > 0;
  /** Booked (or still to happen) or attended: a missed appointment does not count. */
  const hasAppointment = async (srId: string) =>
    (await appointmentsFor(srId)).some((a) => UPCOMING.has(a.status) || a.status === 'fulfilled');

  type Fits = (sr: Stored<ServiceRequest>) => Promise<boolean>;

  /**
   * The target referral: the given one, else the newest active referral (of the given patient,
   * if any) that fits the first rule any referral fits. Scenarios check the state they need.
   */
  async function target(options: ScenarioOptions, rules: Fits[], noneMessage: string): Promise<Stored<ServiceRequest>> {
    if (options.patientId !== undefined) await read<Patient>('Patient', options.patientId);
    const ofPatient = (sr: ServiceRequest) => options.patientId === undefined || patientIdOf(sr) === options.patientId;
    if (options.serviceRequestId !== undefined) {
      const sr = await read<ServiceRequest>('ServiceRequest', options.serviceRequestId);
      if (!ofPatient(sr)) throw new BadRequestError(`ServiceRequest/${sr.id} is not for Patient/${options.patientId}`);
      return sr;
    }
    const candidates: Stored<ServiceRequest>[] = [];
    for (const id of repo.newestFirst('ServiceRequest')) {
      const sr = (await repo.readResource<ServiceRequest>('ServiceRequest', id)) as Stored<ServiceRequest>;
      if (sr.status === 'active' && isReferral(sr) && ofPatient(sr)) candidates.push(sr);
    }
    for (const fits of rules) {
      for (const sr of candidates) if (await fits(sr)) return sr;
    }
    throw new ConflictError(`${noneMessage}${options.patientId === undefined ? '' : ' for this patient'}; pass serviceRequestId to choose one`);
  }

  function requireActive(sr: Stored<ServiceRequest>): void {
    if (sr.status !== 'active') throw new ConflictError(`ServiceRequest/${sr.id} is ${sr.status}, not active`);
  }

  async function write<T extends Resource>(resource: T): Promise<Stored<T>> {
    return (await (resource.id ? repo.updateResource(resource) : repo.createResource(resource))) as Stored<T>;
  }

  async function announce(resource: Stored<Resource> & { resourceType: NotifiedType }, interaction: Interaction): Promise<Delivery> {
    const bundle = notifier.notify(resource, interaction, now());
    return sender.send(`evt-${randomUUID()}`, bundle);
  }

  function result(scenario: ScenarioName, sr: Stored<ServiceRequest>, resources: Stored<Resource>[], deliveries: Delivery[]): ScenarioResult {
    return {
      scenario,
      serviceRequestId: sr.id,
      patientId: patientIdOf(sr),
      resources: resources.map((r) => `${r.resourceType}/${r.id}`),
      deliveries,
    };
  }

  async function bookAppointment(sr: Stored<ServiceRequest>): Promise<Stored<Appointment>> {
    const day = startOfUtcDay(now());
    const offset = appointmentCount++;
    const start = new Date(day.getTime() + (FIRST_APPOINTMENT_DAY + (offset % 4)) * DAY + (14 + (offset % 3)) * HOUR);
    return write(buildAppointment({ serviceRequest: sr, start, minutes: 30, created: now().toISOString() }, simMeta()));
  }

  /**
   * The referral whose upcoming appointment a scenario changes (see its default target), and that
   * appointment: the one still to happen, else one booked now (its creation announced first, as
   * the EHR would).
   */
  async function upcomingAppointmentFor(
    name: ScenarioName,
    options: ScenarioOptions,
  ): Promise<{ sr: Stored<ServiceRequest>; appointment: Stored<Appointment>; changed: Stored<Resource>[]; deliveries: Delivery[] }> {
    const sr = await target(
      options,
      [async (c) => (await upcomingAppointment(c.id)) !== undefined, async (c) => !(await hasConsultNote(c.id))],
      `No active referral without a consult note to ${name === 'no-show' ? 'miss' : 'change'} an appointment for`,
    );
    const changed: Stored<Resource>[] = [];
    const deliveries: Delivery[] = [];
    let appointment = await upcomingAppointment(sr.id);
    if (!appointment) {
      requireActive(sr);
      appointment = await bookAppointment(sr);
      changed.push(appointment);
      deliveries.push(await announce(appointment, 'create'));
    }
    return { sr, appointment, changed, deliveries };
  }

  /** The given patient, else the next seeded patient in turn (counted per scenario). */
  async function patientFor(options: ScenarioOptions, turn: number): Promise<Stored<Patient>> {
    if (options.patientId !== undefined) return read<Patient>('Patient', options.patientId);
    const id = ctx.seededPatientIds[turn % Math.max(1, ctx.seededPatientIds.length)];
    if (id === undefined) throw new ConflictError('No seeded patients; pass patientId');
    return read<Patient>('Patient', id);
  }

  function noReferral(name: ScenarioName, options: ScenarioOptions): void {
    if (options.serviceRequestId !== undefined) throw new BadRequestError(`${name} takes patientId, not serviceRequestId`);
  }

  function encounterResult(scenario: ScenarioName, encounter: Stored<Encounter>, deliveries: Delivery[]): ScenarioResult {
    return { scenario, patientId: encounter.subject?.reference?.split('/')[1], resources: [`Encounter/${encounter.id}`], deliveries };
  }

  const scenarios: Record<ScenarioName, (options: ScenarioOptions) => Promise<ScenarioResult>> = {
    async 'new-referral'(options) {
      if (options.serviceRequestId !== undefined) throw new BadRequestError('new-referral takes patientId, not serviceRequestId');
      let patient: Stored<Patient>;
      if (options.patientId !== undefined) {
        patient = await read<Patient>('Patient', options.patientId);
      } else {
        const id = ctx.seededPatientIds[newReferralCount % Math.max(1, ctx.seededPatientIds.length)];
        if (id === undefined) throw new ConflictError('No seeded patients; pass patientId');
        patient = await read<Patient>('Patient', id);
      }
      const turn = newReferralCount++;
      const specialty = SPECIALTIES[turn % SPECIALTIES.length] ?? SPECIALTIES[0];
      if (!specialty) throw new Error('No specialties');
      const changed: Stored<Resource>[] = [];
      const at = now();

      // The reason: the patient's own condition for this specialty, or a newly diagnosed one.
      const conditions = await searchNewestFirst<Condition>(repo, 'Condition', { subject: `Patient/${patient.id}` });
      let condition = conditions.find((c) => specialtyOfCondition(c) === specialty);
      if (!condition) {
        condition = await write(
          buildCondition(
            {
              id: `cond-${randomUUID()}`,
              patientId: patient.id,
              specialty,
              codeIndex: turn,
              onset: at.toISOString().slice(0, 10),
              recorded: at.toISOString().slice(0, 10),
            },
            simMeta(),
          ),
        );
        changed.push(condition);
      }

      // A fresh id every time: Sidecar remembers referrals across simulator restarts.
      const id = randomUUID();
      const referral = (await repo.createResource(
        buildReferral(
          {
            id,
            identifier: `REF-${id.slice(0, 8).toUpperCase()}`,
            patientId: patient.id,
            condition,
            specialty,
            priority: PRIORITIES[turn % PRIORITIES.length] ?? 'routine',
            requester: REQUESTERS[turn % REQUESTERS.length] ?? PRACTITIONERS[0],
            authoredOn: at.toISOString(),
            note: specialty.notes[turn % specialty.notes.length] ?? 'Please evaluate.',
          },
          simMeta(),
        ),
      )) as Stored<ServiceRequest>;
      changed.push(referral);
      const delivery = await announce(referral, 'create');
      return result('new-referral', referral, changed, [delivery]);
    },

    async revoke(options) {
      const sr = await target(options, [async () => true], 'No active referral to revoke');
      requireActive(sr);
      const revoked = await write<ServiceRequest>({ ...sr, status: 'revoked' });
      return result('revoke', revoked, [revoked], [await announce(revoked, 'update')]);
    },

    async 'appointment-booked'(options) {
      const sr = await target(
        options,
        [async (candidate) => !(await hasConsultNote(candidate.id)) && !(await hasAppointment(candidate.id))],
        'No active referral without an appointment or consult note',
      );
      requireActive(sr);
      const existing = await upcomingAppointment(sr.id);
      if (existing) throw new ConflictError(`ServiceRequest/${sr.id} already has Appointment/${existing.id} (${existing.status})`);
      const appointment = await bookAppointment(sr);
      return result('appointment-booked', sr, [appointment], [await announce(appointment, 'create')]);
    },

    async 'appointment-moved'(options) {
      const { sr, appointment, changed, deliveries } = await upcomingAppointmentFor('appointment-moved', options);
      const later = (at: string) => new Date(Date.parse(at) + MOVE_BY_MS).toISOString();
      if (!appointment.start) throw new ConflictError(`Appointment/${appointment.id} has no start to move`);
      // The same Appointment, re-sent: a new version (versionId, lastUpdated) with the later start.
      const moved = await write<Appointment>({ ...appointment, start: later(appointment.start), ...(appointment.end ? { end: later(appointment.end) } : {}) });
      changed.push(moved);
      deliveries.push(await announce(moved, 'update'));
      return result('appointment-moved', sr, changed, deliveries);
    },

    async 'appointment-cancelled'(options) {
      const { sr, appointment, changed, deliveries } = await upcomingAppointmentFor('appointment-cancelled', options);
      const cancelled = await write<Appointment>({ ...appointment, status: 'cancelled', cancelationReason: CANCELLED_BY_PATIENT });
      changed.push(cancelled);
      deliveries.push(await announce(cancelled, 'update'));
      return result('appointment-cancelled', sr, changed, deliveries);
    },

    async 'no-show'(options) {
      const { sr, appointment, changed, deliveries } = await upcomingAppointmentFor('no-show', options);
      const missed = await write<Appointment>({ ...appointment, status: 'noshow' });
      changed.push(missed);
      deliveries.push(await announce(missed, 'update'));
      return result('no-show', sr, changed, deliveries);
    },

    async 'consult-note'(options) {
      const withoutNote = async (c: Stored<ServiceRequest>) => !(await hasConsultNote(c.id));
      const sr = await target(
        options,
        [async (c) => (await withoutNote(c)) && (await hasAppointment(c.id)), withoutNote],
        'No active referral without a consult note',
      );
      if (sr.status !== 'active' && sr.status !== 'completed') {
        throw new ConflictError(`ServiceRequest/${sr.id} is ${sr.status}; a consult note needs an active or completed referral`);
      }
      if (await hasConsultNote(sr.id)) throw new ConflictError(`ServiceRequest/${sr.id} already has a consult note`);
      const note = await write(buildConsultNote({ serviceRequest: sr, date: now().toISOString() }, simMeta()));
      return result('consult-note', sr, [note], [await announce(note, 'create')]);
    },

    async discharge(options) {
      noReferral('discharge', options);
      const patient = await patientFor(options, dischargeCount++);
      const discharged = now();
      const encounter = await write(
        buildDischargeEncounter({ patientId: patient.id, admitted: new Date(discharged.getTime() - 3 * 86_400_000), discharged }, simMeta()),
      );
      return encounterResult('discharge', encounter, [await announce(encounter, 'create')]);
    },

    async 'discharge-entered-in-error'(options) {
      noReferral('discharge-entered-in-error', options);
      if (options.patientId !== undefined) await read<Patient>('Patient', options.patientId);
      let found: Stored<Encounter> | undefined;
      for (const id of repo.newestFirst('Encounter')) {
        const candidate = (await repo.readResource<Encounter>('Encounter', id)) as Stored<Encounter>;
        const ofPatient = options.patientId === undefined || candidate.subject?.reference === `Patient/${options.patientId}`;
        if (candidate.status === 'finished' && ofPatient) {
          found = candidate;
          break;
        }
      }
      if (!found) throw new ConflictError(`No finished Encounter to withdraw${options.patientId === undefined ? '' : ' for this patient'}`);
      const withdrawn = await write<Encounter>({ ...found, status: 'entered-in-error' });
      return encounterResult('discharge-entered-in-error', withdrawn, [await announce(withdrawn, 'update')]);
    },
  };

  return {
    run(name, options = {}) {
      const run = async (): Promise<ScenarioResult> => {
        if (!isScenarioName(name)) {
          throw new NotFoundError(`Unknown scenario "${name.slice(0, 40)}"; known: ${SCENARIO_NAMES.join(', ')}`);
        }
        for (const [key, value] of Object.entries(options)) {
          if (value !== undefined && (typeof value !== 'string' || !FHIR_ID.test(value))) throw new BadRequestError(`Invalid ${key}`);
        }
        return scenarios[name](options);
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
