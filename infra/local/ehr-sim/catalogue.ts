/**
 * What the EHR simulator can do, without loading it: the scenario list (for the CLI's help and
 * the console's dev page), the control API's paths, and where the simulator listens by default.
 * Kept free of FHIR and server imports so that reading it is instant.
 */

export const SCENARIO_NAMES = [
  'new-referral',
  'revoke',
  'appointment-booked',
  'appointment-moved',
  'appointment-cancelled',
  'no-show',
  'consult-note',
  'discharge',
  'discharge-entered-in-error',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export interface ScenarioInfo {
  name: ScenarioName;
  /** One line for a help text or a dev page. */
  description: string;
  /** Which referral (or, for discharges, which patient or encounter) the scenario acts on by default. */
  defaultTarget: string;
}

export const SCENARIOS: readonly ScenarioInfo[] = [
  {
    name: 'new-referral',
    description: 'The EHR orders a new referral (ServiceRequest, active) for a patient.',
    defaultTarget: 'the given patient, else the next seeded patient in turn',
  },
  {
    name: 'revoke',
    description: 'The ordering clinician revokes a referral (ServiceRequest status → revoked).',
    defaultTarget: 'the most recently created active referral',
  },
  {
    name: 'appointment-booked',
    description: 'The receiving provider books an appointment for a referral (Appointment, booked, at least 4 days ahead so every reminder is still to come).',
    defaultTarget: 'the most recently created active referral with no booked or attended appointment and no consult note',
  },
  {
    name: 'appointment-moved',
    description: "The provider moves the referral's booked appointment 2 days later (the same Appointment, a new version; books one first if needed).",
    defaultTarget: 'the most recently created active referral with a booked appointment, else the most recent active one without a consult note',
  },
  {
    name: 'appointment-cancelled',
    description: "The provider cancels the referral's booked appointment (Appointment status → cancelled; books one first if needed).",
    defaultTarget: 'the most recently created active referral with a booked appointment, else the most recent active one without a consult note',
  },
  {
    name: 'no-show',
    description: "The patient misses the referral's appointment (Appointment status → noshow; books one first if needed).",
    defaultTarget: 'the most recently created active referral with a booked appointment, else the most recent active one without a consult note',
  },
  {
    name: 'consult-note',
    description: 'The specialist sends the consult note back (DocumentReference, current): the loop can close.',
    defaultTarget: 'the most recently created active referral without a consult note, preferring one with a booked or attended appointment',
  },
  {
    name: 'discharge',
    description: 'The hospital discharges a patient (inpatient Encounter, class IMP, status → finished).',
    defaultTarget: 'the given patient, else the next seeded patient in turn',
  },
  {
    name: 'discharge-entered-in-error',
    description: 'The EHR withdraws a discharge (Encounter status → entered-in-error).',
    defaultTarget: 'the most recently created finished Encounter (of the given patient, if any)',
  },
];

export function isScenarioName(name: string): name is ScenarioName {
  return (SCENARIO_NAMES as readonly string[]).includes(name);
}

/** Where `npm run ehr` looks for the simulator when neither --url nor SIDECAR_EHR_SIM_URL is set. */
export const DEFAULT_SIMULATOR_URL = 'http://127.0.0.1:3001';

/** The simulator's control API (not FHIR; for the CLI, the dev page and browser tests). */
export const CONTROL_PATHS = {
  health: '/$sim/health',
  state: '/$sim/state',
  publishSeed: '/$sim/seed',
  scenario: (name: string) => `/$sim/scenarios/${encodeURIComponent(name)}`,
} as const;

/** Base paths relative to the simulator's URL. */
export const FHIR_BASE_PATH = '/fhir/R4';
export const UI_BASE_PATH = '/ehr';

/**
 * SMART App Launch (EHR launch) endpoints. The discovery documents are relative to the FHIR base
 * (the issuer); the authorization server's endpoints are relative to the simulator's URL.
 */
export const SMART_PATHS = {
  configuration: '/.well-known/smart-configuration',
  openidConfiguration: '/.well-known/openid-configuration',
  authorize: '/smart/authorize',
  token: '/smart/token',
  jwks: '/smart/jwks',
} as const;

/** The chart page that starts a SMART launch of Sidecar (relative to the simulator's URL). */
export const LAUNCH_PATH = `${UI_BASE_PATH}/launch`;

export const LAUNCH_MODES = ['window', 'embedded'] as const;
/** `window`: Sidecar opens in its own window; `embedded`: inside an iframe in the EHR's chart. */
export type LaunchMode = (typeof LAUNCH_MODES)[number];

/**
 * The path of a chart's "Launch Sidecar" link for a patient (and the referral it is opened from).
 * It carries EHR ids only; the URL Sidecar receives carries an opaque launch id instead.
 */
export function launchPagePath(options: { patientId: string; serviceRequestId?: string; mode: LaunchMode }): string {
  const query = new URLSearchParams({ patient: options.patientId });
  if (options.serviceRequestId) query.set('serviceRequest', options.serviceRequestId);
  query.set('mode', options.mode);
  return `${LAUNCH_PATH}?${query.toString()}`;
}
