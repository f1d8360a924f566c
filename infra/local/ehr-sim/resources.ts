import type {
  Appointment,
  CodeableConcept,
  Condition,
  DocumentReference,
  Encounter,
  Meta,
  Organization,
  Patient,
  Practitioner,
  ServiceRequest,
} from '@medplum/fhirtypes';
import {
  CONSULT_NOTE_TYPE,
  HOSPITAL,
  LANGUAGES,
  PRACTITIONERS,
  REFERRAL_CATEGORY,
  SPECIALTIES,
  SYNTHETIC_TAG,
  SYSTEMS,
  type Priority,
  type Specialty,
} from './codes';

/**
 * Builders for the simulated hospital's FHIR resources, shared by the seed and the scenarios.
 * Everything they produce is synthetic and tagged HTEST; still, it has the shape of patient data,
 * so none of it is ever logged.
 */

/** meta for a resource the simulator writes (the repository stamps versionId and lastUpdated when absent). */
export function simMeta(extra?: Partial<Meta>): Meta {
  return { ...extra, tag: [SYNTHETIC_TAG] };
}

export function conceptOf(coding: CodeableConcept['coding'] & object, text?: string): CodeableConcept {
  const first = coding[0];
  return { coding, text: text ?? first?.display };
}

export function buildOrganization(org: { id: string; name: string }, meta: Meta): Organization {
  return {
    resourceType: 'Organization',
    id: org.id,
    meta,
    active: true,
    type: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' }],
      },
    ],
    name: org.name,
    telecom: [{ system: 'email', value: `${org.id}@example.org`, use: 'work' }],
  };
}

export function buildPractitioner(p: (typeof PRACTITIONERS)[number], meta: Meta): Practitioner {
  return {
    resourceType: 'Practitioner',
    id: p.id,
    meta,
    active: true,
    identifier: [{ system: SYSTEMS.npi, value: p.id.toUpperCase() }],
    name: [{ use: 'official', family: p.family, given: [p.given], prefix: ['Dr.'], text: `Dr. ${p.given} ${p.family}` }],
    telecom: [{ system: 'email', value: `${p.given}.${p.family}@example.org`.toLowerCase(), use: 'work' }],
  };
}

export function practitionerDisplay(p: (typeof PRACTITIONERS)[number]): string {
  return `Dr. ${p.given} ${p.family}`;
}

export interface PatientFacts {
  id: string;
  /** 1-based sequence number: MRN, phone and email are derived from it. */
  number: number;
  given: string;
  family: string;
  gender: 'female' | 'male';
  birthDate: string;
  language: keyof typeof LANGUAGES;
}

const ascii = (s: string): string => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export function buildPatient(facts: PatientFacts, meta: Meta): Patient {
  const n = String(facts.number).padStart(4, '0');
  const language = LANGUAGES[facts.language];
  return {
    resourceType: 'Patient',
    id: facts.id,
    meta,
    identifier: [
      {
        use: 'usual',
        type: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical record number' }],
        },
        system: SYSTEMS.mrn,
        value: `SIM${String(facts.number).padStart(6, '0')}`,
      },
    ],
    active: true,
    name: [{ use: 'official', family: facts.family, given: [facts.given], text: `${facts.given} ${facts.family}` }],
    telecom: [
      // 555-01xx style numbers are reserved for fiction; example.org never delivers mail.
      { system: 'phone', value: `+1555010${n}`, use: 'mobile', rank: 1 },
      { system: 'email', value: ascii(`${facts.given}.${facts.family}.${n}@example.org`).toLowerCase(), use: 'home', rank: 2 },
    ],
    gender: facts.gender,
    birthDate: facts.birthDate,
    communication: [{ language: { coding: [language], text: language.display }, preferred: true }],
    managingOrganization: { reference: `Organization/${HOSPITAL.id}`, display: HOSPITAL.name },
  };
}

export function buildCondition(
  options: { id: string; patientId: string; specialty: Specialty; codeIndex: number; onset: string; recorded: string },
  meta: Meta,
): Condition {
  const code = options.specialty.conditions[options.codeIndex % options.specialty.conditions.length];
  if (!code) throw new Error(`Specialty ${options.specialty.queueId} has no conditions`);
  return {
    resourceType: 'Condition',
    id: options.id,
    meta,
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active', display: 'Active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed', display: 'Confirmed' }],
    },
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' },
        ],
      },
    ],
    code: conceptOf([code]),
    subject: { reference: `Patient/${options.patientId}` },
    onsetDateTime: options.onset,
    recordedDate: options.recorded,
  };
}

/** The specialty a condition belongs to (the referral it justifies), if it is one of ours. */
export function specialtyOfCondition(condition: Condition): Specialty | undefined {
  const code = condition.code?.coding?.[0]?.code;
  return SPECIALTIES.find((s) => s.conditions.some((c) => c.code === code));
}

export function buildReferral(
  options: {
    id: string;
    identifier: string;
    patientId: string;
    condition: Condition;
    specialty: Specialty;
    priority: Priority;
    requester: (typeof PRACTITIONERS)[number];
    authoredOn: string;
    note: string;
  },
  meta: Meta,
): ServiceRequest {
  const { specialty, condition } = options;
  return {
    resourceType: 'ServiceRequest',
    id: options.id,
    meta,
    identifier: [{ system: SYSTEMS.referral, value: options.identifier }],
    status: 'active',
    intent: 'order',
    category: [REFERRAL_CATEGORY],
    priority: options.priority,
    code: conceptOf([specialty.referral]),
    subject: { reference: `Patient/${options.patientId}` },
    authoredOn: options.authoredOn,
    requester: { reference: `Practitioner/${options.requester.id}`, display: practitionerDisplay(options.requester) },
    performerType: conceptOf([specialty.specialty]),
    performer: [{ reference: `Organization/${specialty.organization.id}`, display: specialty.organization.name }],
    ...(condition.code ? { reasonCode: [condition.code] } : {}),
    reasonReference: [{ reference: `Condition/${condition.id}`, display: condition.code?.text }],
    note: [{ text: options.note, time: options.authoredOn }],
  };
}

const SPECIALIST = PRACTITIONERS.find((p) => p.role === 'specialist') ?? PRACTITIONERS[0];

export function buildAppointment(
  options: { serviceRequest: ServiceRequest; start: Date; minutes: number; created: string },
  meta: Meta,
): Appointment {
  const sr = options.serviceRequest;
  const end = new Date(options.start.getTime() + options.minutes * 60_000);
  const participants: Appointment['participant'] = [];
  if (sr.subject?.reference) participants.push({ actor: { reference: sr.subject.reference }, required: 'required', status: 'accepted' });
  participants.push({
    actor: { reference: `Practitioner/${SPECIALIST.id}`, display: practitionerDisplay(SPECIALIST) },
    required: 'required',
    status: 'accepted',
  });
  return {
    resourceType: 'Appointment',
    meta,
    status: 'booked',
    basedOn: [{ reference: `ServiceRequest/${sr.id}` }],
    ...(sr.performerType ? { serviceType: [sr.performerType], specialty: [sr.performerType] } : {}),
    ...(sr.reasonReference ? { reasonReference: sr.reasonReference.map((r) => ({ reference: r.reference, display: r.display })) } : {}),
    description: sr.code?.text ? `${sr.code.text}: first consultation` : 'Referral consultation',
    start: options.start.toISOString(),
    end: end.toISOString(),
    minutesDuration: options.minutes,
    created: options.created,
    participant: participants,
  };
}

export function buildConsultNote(options: { serviceRequest: ServiceRequest; date: string }, meta: Meta): DocumentReference {
  const sr = options.serviceRequest;
  const specialty = sr.performerType?.text ?? 'specialty';
  // Free text with no patient data in it: the note refers to the referral, not to the person.
  const text = [
    `Consult note (synthetic) for referral ${sr.identifier?.[0]?.value ?? sr.id}.`,
    `Seen in the ${specialty} clinic. Assessment and plan discussed; recommendations sent to the referring clinician.`,
    'Follow-up with primary care in 4 weeks.',
  ].join('\n');
  const performer = sr.performer?.[0];
  return {
    resourceType: 'DocumentReference',
    meta,
    status: 'current',
    docStatus: 'final',
    type: CONSULT_NOTE_TYPE,
    category: [
      {
        coding: [
          { system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' },
        ],
      },
    ],
    ...(sr.subject?.reference ? { subject: { reference: sr.subject.reference } } : {}),
    date: options.date,
    author: [{ reference: `Practitioner/${SPECIALIST.id}`, display: practitionerDisplay(SPECIALIST) }],
    ...(performer?.reference ? { custodian: { reference: performer.reference, display: performer.display } } : {}),
    description: 'Consult note',
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          language: 'en',
          data: Buffer.from(text, 'utf8').toString('base64'),
          title: 'Consult note',
          creation: options.date,
        },
      },
    ],
    context: { related: [{ reference: `ServiceRequest/${sr.id}` }] },
  };
}

/**
 * A finished inpatient stay (v3-ActCode IMP) ending at `discharged`: what the EHR records when a
 * patient leaves hospital, and what Sidecar's discharge rule reacts to.
 */
export function buildDischargeEncounter(options: { patientId: string; admitted: Date; discharged: Date }, meta: Meta): Encounter {
  return {
    resourceType: 'Encounter',
    meta,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP', display: 'inpatient encounter' },
    type: [{ coding: [{ system: 'http://snomed.info/sct', code: '32485007', display: 'Hospital admission' }] }],
    subject: { reference: `Patient/${options.patientId}` },
    period: { start: options.admitted.toISOString(), end: options.discharged.toISOString() },
    hospitalization: { dischargeDisposition: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home', display: 'Home' }] } },
  };
}
