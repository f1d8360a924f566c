import type { Condition, Organization, Patient, Practitioner, ServiceRequest } from '@medplum/fhirtypes';
import { FAMILY_NAMES, GIVEN_NAMES, HOSPITAL, PRACTITIONERS, PRIORITIES, SPECIALTIES, type Priority } from './codes';
import { createRandom, seedFrom } from './prng';
import { buildCondition, buildOrganization, buildPatient, buildPractitioner, buildReferral, simMeta } from './resources';

/**
 * The simulated hospital's starting data, the same on every start: ids come from sequence
 * numbers and every other value from a PRNG seeded per record, so patient 7 is the same person
 * whatever the seed count. Dates are relative to the start of the UTC day of `anchor`, so two
 * starts on the same day produce identical resources (including meta), and referrals look
 * recent on any day.
 */
export interface SeedData {
  organizations: Organization[];
  practitioners: Practitioner[];
  patients: Patient[];
  conditions: Condition[];
  serviceRequests: ServiceRequest[];
}

/** Bump when the seed's content changes, so Sidecar accepts the new content (webhook ids include it). */
export const SEED_VERSION = 1;

export const patientId = (n: number): string => `pt-${String(n).padStart(3, '0')}`;

const DAY = 86_400_000;
const HOUR = 3_600_000;

export function startOfUtcDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

const dateOnly = (at: Date): string => at.toISOString().slice(0, 10);

/** First four referrals take each priority once so every priority is present; then mostly routine. */
function priorityFor(index: number, random: () => number): Priority {
  if (index < PRIORITIES.length) return PRIORITIES[PRIORITIES.length - 1 - index] ?? 'routine';
  const r = random();
  if (r < 0.45) return 'routine';
  if (r < 0.75) return 'urgent';
  if (r < 0.9) return 'asap';
  return 'stat';
}

export function buildSeed(options: { count: number; anchor: Date }): SeedData {
  const day = startOfUtcDay(options.anchor);
  const meta = () => simMeta({ versionId: String(SEED_VERSION), lastUpdated: day.toISOString() });
  const requesters = PRACTITIONERS.filter((p) => p.role === 'requester');

  const organizations = [HOSPITAL, ...SPECIALTIES.map((s) => s.organization)].map((o) => buildOrganization(o, meta()));
  const practitioners = PRACTITIONERS.map((p) => buildPractitioner(p, meta()));
  const patients: Patient[] = [];
  const conditions: Condition[] = [];
  const serviceRequests: ServiceRequest[] = [];

  for (let i = 0; i < options.count; i++) {
    const number = i + 1;
    const id = patientId(number);
    const random = createRandom(seedFrom(`ehr-sim:patient:${number}`));
    const language = random.chance(0.3) ? 'es' : 'en';
    const gender = random.chance(0.5) ? 'female' : 'male';
    const birthDate = `${random.int(1940, 2006)}-${String(random.int(1, 12)).padStart(2, '0')}-${String(random.int(1, 28)).padStart(2, '0')}`;
    patients.push(
      buildPatient(
        { id, number, given: random.pick(GIVEN_NAMES[language][gender]), family: random.pick(FAMILY_NAMES), gender, birthDate, language },
        meta(),
      ),
    );

    // The first condition belongs to this patient's primary specialty (round robin, so every queue
    // gets referrals); up to two more come from other specialties.
    const primary = SPECIALTIES[i % SPECIALTIES.length];
    if (!primary) throw new Error('No specialties');
    const specialties = [primary];
    const extra = random.int(0, 2);
    for (let k = 0; k < extra; k++) {
      const s = random.pick(SPECIALTIES);
      if (!specialties.includes(s)) specialties.push(s);
    }
    const patientConditions = specialties.map((specialty, k) => {
      const onset = new Date(day.getTime() - random.int(30, 1500) * DAY);
      return buildCondition(
        {
          id: `cond-${String(number).padStart(3, '0')}-${k + 1}`,
          patientId: id,
          specialty,
          codeIndex: random.int(0, specialty.conditions.length - 1),
          onset: dateOnly(onset),
          recorded: dateOnly(new Date(onset.getTime() + random.int(0, 20) * DAY)),
        },
        meta(),
      );
    });
    conditions.push(...patientConditions);

    // One referral for the primary condition; a quarter of patients get a second one.
    const referralCount = patientConditions.length > 1 && random.chance(0.25) ? 2 : 1;
    for (let k = 0; k < referralCount; k++) {
      const specialty = specialties[k];
      const condition = patientConditions[k];
      if (!specialty || !condition) continue;
      const priority = priorityFor(serviceRequests.length, random.next);
      const ageHours = priority === 'stat' || priority === 'asap' ? random.int(1, 36) : random.int(24, 21 * 24);
      serviceRequests.push(
        buildReferral(
          {
            id: `sr-${String(number).padStart(3, '0')}-${k + 1}`,
            identifier: `REF-${String(number).padStart(3, '0')}-${k + 1}`,
            patientId: id,
            condition,
            specialty,
            priority,
            requester: random.pick(requesters),
            authoredOn: new Date(day.getTime() - ageHours * HOUR).toISOString(),
            note: random.pick(specialty.notes),
          },
          meta(),
        ),
      );
    }
  }
  return { organizations, practitioners, patients, conditions, serviceRequests };
}
