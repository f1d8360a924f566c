import type { CodeableConcept, Coding } from '@medplum/fhirtypes';

/**
 * The clinical vocabulary of the simulated hospital. Specialty (performerType) and referral
 * procedure (code) codes are the SNOMED CT codes of Sidecar's queue catalogue
 * (shared/referrals/queues.ts), so every seeded referral routes to a known queue; a test checks
 * this against the catalogue itself. Condition codes give each referral a plausible reason.
 */
export const SNOMED = 'http://snomed.info/sct';
export const LOINC = 'http://loinc.org';

/** Fictional identifier systems of the simulated hospital. */
export const SYSTEMS = {
  mrn: 'https://ehr-sim.example.org/fhir/sid/mrn',
  referral: 'https://ehr-sim.example.org/fhir/sid/referral-number',
  npi: 'https://ehr-sim.example.org/fhir/sid/provider-number',
  topics: 'https://ehr-sim.example.org/fhir/SubscriptionTopic',
} as const;

/** HL7's "test health data" security label: every simulated resource carries it. */
export const SYNTHETIC_TAG: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  code: 'HTEST',
  display: 'test health data',
};

export const REFERRAL_CATEGORY: CodeableConcept = {
  coding: [{ system: SNOMED, code: '3457005', display: 'Patient referral' }],
  text: 'Patient referral',
};

export const CONSULT_NOTE_TYPE: CodeableConcept = {
  coding: [{ system: LOINC, code: '11488-4', display: 'Consult note' }],
  text: 'Consult note',
};

export interface Specialty {
  /** The Sidecar queue this specialty is meant to land in (checked by a test, not used at run time). */
  queueId: string;
  specialty: Coding;
  referral: Coding;
  /** The receiving provider. */
  organization: { id: string; name: string };
  /** Reasons for referral to this specialty. */
  conditions: readonly Coding[];
  /** Short requester notes (no patient data). */
  notes: readonly string[];
}

const sct = (code: string, display: string): Coding => ({ system: SNOMED, code, display });

export const SPECIALTIES: readonly Specialty[] = [
  {
    queueId: 'cardiology',
    specialty: sct('394579002', 'Cardiology'),
    referral: sct('183519002', 'Referral to cardiology service'),
    organization: { id: 'org-cardiology', name: 'Harbor View Heart Clinic (synthetic)' },
    conditions: [sct('49436004', 'Atrial fibrillation'), sct('84114007', 'Heart failure'), sct('38341003', 'Hypertensive disorder')],
    notes: ['Please evaluate for rhythm management.', 'Worsening exertional dyspnea; echo attached in chart.'],
  },
  {
    queueId: 'orthopedics',
    specialty: sct('394801008', 'Trauma and orthopedics'),
    referral: sct('183545006', 'Referral to orthopedic service'),
    organization: { id: 'org-orthopedics', name: 'Northside Orthopedic Group (synthetic)' },
    conditions: [sct('239873007', 'Osteoarthritis of knee'), sct('279039007', 'Low back pain')],
    notes: ['Conservative treatment failed; please assess for intervention.', 'Persistent pain despite physiotherapy.'],
  },
  {
    queueId: 'behavioral-health',
    specialty: sct('394587001', 'Psychiatry'),
    referral: sct('183524004', 'Referral to psychiatry service'),
    organization: { id: 'org-behavioral-health', name: 'Lakeside Behavioral Health (synthetic)' },
    conditions: [sct('35489007', 'Depressive disorder'), sct('197480006', 'Anxiety disorder')],
    notes: ['Please assess and advise on medication.', 'Screening score elevated at last visit.'],
  },
  {
    queueId: 'endocrinology',
    specialty: sct('394583002', 'Endocrinology'),
    referral: sct('183521006', 'Referral to endocrinology service'),
    organization: { id: 'org-endocrinology', name: 'Valley Endocrine Associates (synthetic)' },
    conditions: [sct('44054006', 'Diabetes mellitus type 2'), sct('40930008', 'Hypothyroidism')],
    notes: ['HbA1c above target on current regimen.', 'Please review thyroid management.'],
  },
  {
    queueId: 'gastroenterology',
    specialty: sct('394584008', 'Gastroenterology'),
    referral: sct('183522004', 'Referral to gastroenterology service'),
    organization: { id: 'org-gastroenterology', name: 'Riverbend Digestive Health (synthetic)' },
    conditions: [sct('235595009', 'Gastroesophageal reflux disease'), sct('34000006', "Crohn's disease")],
    notes: ['Symptoms persist on PPI; please evaluate for endoscopy.', 'Flare with weight loss; please assess.'],
  },
  {
    queueId: 'neurology',
    specialty: sct('394591006', 'Neurology'),
    referral: sct('183523009', 'Referral to neurology service'),
    organization: { id: 'org-neurology', name: 'Summit Neurology Partners (synthetic)' },
    conditions: [sct('37796009', 'Migraine'), sct('84757009', 'Epilepsy')],
    notes: ['Increasing frequency despite prophylaxis.', 'Breakthrough episode last month.'],
  },
  {
    queueId: 'dermatology',
    specialty: sct('394582007', 'Dermatology'),
    referral: sct('183525005', 'Referral to dermatology service'),
    organization: { id: 'org-dermatology', name: 'Clearwater Dermatology (synthetic)' },
    conditions: [sct('9014002', 'Psoriasis'), sct('24079001', 'Atopic dermatitis')],
    notes: ['Not controlled with topical therapy.', 'Please consider systemic treatment.'],
  },
  {
    // No queue code on purpose: Sidecar's catalogue routes unmatched referrals to its general queue.
    queueId: 'general',
    specialty: sct('394814009', 'General practice'),
    referral: sct('306206005', 'Referral to service'),
    organization: { id: 'org-community-clinic', name: 'Elm Street Community Clinic (synthetic)' },
    conditions: [sct('55822004', 'Hyperlipidemia'), sct('414916001', 'Obesity')],
    notes: ['Please coordinate lifestyle program enrollment.', 'Follow-up of abnormal screening labs.'],
  },
];

export const PRIORITIES = ['routine', 'urgent', 'asap', 'stat'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** The referring hospital and its clinicians (requesters), and the consulting specialist. */
export const HOSPITAL = { id: 'org-sim-hospital', name: 'Sim General Hospital (synthetic)' } as const;
export const PRACTITIONERS = [
  { id: 'pract-requester-1', given: 'Alex', family: 'Testwood', role: 'requester' },
  { id: 'pract-requester-2', given: 'Sam', family: 'Mockford', role: 'requester' },
  { id: 'pract-specialist-1', given: 'Jordan', family: 'Samplewell', role: 'specialist' },
] as const;

/** Names for synthetic patients: common given names with family names that are obviously made up. */
export const GIVEN_NAMES = {
  en: {
    female: ['Ava', 'Grace', 'Chloe', 'Nora', 'Ruby', 'Hazel', 'Ivy', 'Maya'],
    male: ['Liam', 'Noah', 'Owen', 'Eli', 'Miles', 'Leo', 'Theo', 'Felix'],
  },
  es: {
    female: ['Lucía', 'Sofía', 'Valentina', 'Camila', 'Elena', 'Paula'],
    male: ['Mateo', 'Santiago', 'Diego', 'Javier', 'Tomás', 'Andrés'],
  },
} as const;
export const FAMILY_NAMES = [
  'Testperson',
  'Simulado',
  'Examplar',
  'Mockridge',
  'Fakenham',
  'Demoson',
  'Placeholdt',
  'Synthwell',
  'Sampleton',
  'Prueba',
  'Fictivo',
  'Dummerston',
] as const;

export const LANGUAGES = {
  en: { system: 'urn:ietf:bcp:47', code: 'en', display: 'English' },
  es: { system: 'urn:ietf:bcp:47', code: 'es', display: 'Spanish' },
} as const satisfies Record<string, Coding>;
