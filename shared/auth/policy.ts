import { ROLES, type Role } from '../users/directory';

/**
 * Who may do what: every API and console route declares the roles it allows, here, in one
 * table per surface. A route missing from its table is refused to everyone (deny by default),
 * and test/integration/auth/route-policy.int.test.ts walks every registered route to prove it.
 *
 * Paths use Hono's syntax (`:id`). GET covers HEAD; for console pages GET is the page (loader)
 * and POST its form actions. The README's role matrix is this table in prose.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type RoutePolicy = Partial<Record<Method, readonly Role[]>>;
export type PolicyTable = Readonly<Record<string, RoutePolicy>>;

const ANY: readonly Role[] = ROLES;
const REFERRALS_READ: readonly Role[] = ['coordinator', 'auditor'];
const REFERRALS_WRITE: readonly Role[] = ['coordinator'];
const PATIENTS_READ: readonly Role[] = ['coordinator', 'nurse', 'auditor'];
const INTEGRATION_READ: readonly Role[] = ['admin', 'auditor'];
const INTEGRATION_WRITE: readonly Role[] = ['admin'];
const AUDIT_READ: readonly Role[] = ['admin', 'auditor'];
/** Tasks: coordinators and nurses work them (each their own team's, checked per task); auditors read. */
const TASKS_READ: readonly Role[] = ['coordinator', 'nurse', 'auditor'];
const TASKS_WRITE: readonly Role[] = ['coordinator', 'nurse'];
/** SLA escalations: any member of a team leads it for the day (acknowledging is per team, checked per escalation); auditors read. */
const ESCALATIONS_READ: readonly Role[] = ['coordinator', 'nurse', 'auditor'];
const ESCALATIONS_WRITE: readonly Role[] = ['coordinator', 'nurse'];
/** The leads' dashboard (counts only, no patient data): any member of a team leads it; auditors read; admins do no patient work. */
const DASHBOARD_READ: readonly Role[] = ['coordinator', 'nurse', 'auditor'];

export const ROLE_SETS = { ANY, REFERRALS_READ, REFERRALS_WRITE, PATIENTS_READ, INTEGRATION_READ, INTEGRATION_WRITE, AUDIT_READ } as const;

const CAREPLANS_READ: readonly Role[] = ['nurse', 'coordinator', 'auditor'];
const CAREPLANS_WRITE: readonly Role[] = ['nurse'];
/** Patient reminders and consent (issue 5): whoever reads patients sees them; coordinators and nurses schedule, cancel and record consent by hand. */
const REMINDERS_READ: readonly Role[] = ['coordinator', 'nurse', 'auditor'];
const REMINDERS_WRITE: readonly Role[] = ['coordinator', 'nurse'];

/** The JSON API (`/api/*`, bearer tokens). The OpenAPI document is public and not listed. */
export const API_POLICY: PolicyTable = {
  '/api/me': { GET: ANY },
  '/api/users': { GET: ANY },
  '/api/queue': { GET: REFERRALS_READ },
  '/api/queue/counts': { GET: REFERRALS_READ },
  '/api/referrals': { POST: REFERRALS_WRITE },
  '/api/referrals/:id': { GET: REFERRALS_READ },
  '/api/referrals/:id/claim': { POST: REFERRALS_WRITE },
  '/api/referrals/:id/assign': { POST: REFERRALS_WRITE },
  '/api/referrals/:id/transitions': { POST: REFERRALS_WRITE },
  '/api/referrals/:id/notes': { POST: REFERRALS_WRITE },
  '/api/patients': { GET: PATIENTS_READ },
  '/api/patients/:id': { GET: PATIENTS_READ },
  '/api/patients/:id/overview': { GET: PATIENTS_READ },
  '/api/patients/:id/reminders': { GET: REMINDERS_READ },
  '/api/patients/:id/consent': { GET: REMINDERS_READ, POST: REMINDERS_WRITE },
  '/api/reminders': { POST: REMINDERS_WRITE },
  '/api/reminders/:id/cancel': { POST: REMINDERS_WRITE },
  '/api/tasks': { GET: TASKS_READ, POST: TASKS_WRITE },
  '/api/tasks/counts': { GET: TASKS_READ },
  '/api/tasks/bulk-reassign': { POST: TASKS_WRITE },
  '/api/tasks/:id': { GET: TASKS_READ },
  '/api/tasks/:id/claim': { POST: TASKS_WRITE },
  '/api/tasks/:id/assign': { POST: TASKS_WRITE },
  '/api/tasks/:id/transitions': { POST: TASKS_WRITE },
  '/api/tasks/:id/attempts': { POST: TASKS_WRITE },
  '/api/tasks/:id/notes': { POST: TASKS_WRITE },
  '/api/escalations': { GET: ESCALATIONS_READ },
  '/api/escalations/:id/acknowledge': { POST: ESCALATIONS_WRITE },
  '/api/dashboard': { GET: DASHBOARD_READ },
  '/api/care-plans': { GET: CAREPLANS_READ, POST: CAREPLANS_WRITE },
  '/api/care-plans/:id': { GET: CAREPLANS_READ },
  '/api/care-plans/:id/fhir': { GET: CAREPLANS_READ },
  '/api/care-plans/:id/revisions': { POST: CAREPLANS_WRITE },
  '/api/care-plans/:id/transitions': { POST: CAREPLANS_WRITE },
  '/api/events': { GET: INTEGRATION_READ },
  '/api/events/:id/replay': { POST: INTEGRATION_WRITE },
};

/** The console's pages (`GET`, the loader) and form actions (`POST`), behind the session cookie. */
export const CONSOLE_POLICY: PolicyTable = {
  '/': { GET: ANY },
  '/welcome': { GET: ANY },
  '/queue': { GET: REFERRALS_READ },
  '/referrals/new': { GET: REFERRALS_WRITE, POST: REFERRALS_WRITE },
  '/referrals/:id': { GET: REFERRALS_READ, POST: REFERRALS_WRITE },
  // The patient page's forms schedule and cancel reminders and record consent.
  '/patients/:id': { GET: PATIENTS_READ, POST: REMINDERS_WRITE },
  '/work': { GET: TASKS_READ, POST: TASKS_WRITE },
  '/tasks/:id': { GET: TASKS_READ, POST: TASKS_WRITE },
  // Care plans: nurses start and change them; coordinators and auditors read them (and their FHIR export).
  '/patients/:id/care-plans/new': { GET: CAREPLANS_WRITE, POST: CAREPLANS_WRITE },
  '/care-plans/:id': { GET: CAREPLANS_READ, POST: CAREPLANS_WRITE },
  '/care-plans/:id/fhir': { GET: CAREPLANS_READ },
  '/escalations': { GET: ESCALATIONS_READ, POST: ESCALATIONS_WRITE },
  '/dashboard': { GET: DASHBOARD_READ },
  '/events': { GET: INTEGRATION_READ, POST: INTEGRATION_WRITE },
  '/audit': { GET: AUDIT_READ },
  '/admin/sources': { GET: INTEGRATION_READ, POST: INTEGRATION_WRITE },
  '/admin/sources/:id': { GET: INTEGRATION_READ, POST: INTEGRATION_WRITE },
  '/admin/users': { GET: AUDIT_READ },
  // The EHR simulator's control page exists only when a simulator is configured (local runs).
  '/dev': { GET: ANY, POST: ANY },
  // Local runs only (the messaging stand-ins' outbox): it shows patients' numbers and texts, so those
  // who read reminders see it, and those who manage consent may reply as a patient; admins do no patient work.
  '/outbox': { GET: REMINDERS_READ, POST: REMINDERS_WRITE },
};

/**
 * Console paths deliberately answered with no staff session and no role (mounted before the
 * session check, so CONSOLE_POLICY never sees them): the page behind the link every reminder
 * carries and its stop button (functions/console/reminder-link.ts). Patients have no accounts; the
 * unguessable reminder id is the credential, and the page shows the minimum necessary.
 * test/integration/reminders/reminder-link.int.test.ts proves the mounted routes are exactly these.
 */
export const CONSOLE_PUBLIC_ROUTES: Readonly<Record<string, readonly Method[]>> = {
  '/r/:id': ['GET'],
  '/r/:id/stop': ['GET', 'POST'],
};

interface CompiledRoute {
  segments: string[];
  /** Static segments count: `/referrals/new` outranks `/referrals/:id`. */
  specificity: number;
  policy: RoutePolicy;
}

const compiled = new WeakMap<PolicyTable, CompiledRoute[]>();

function compile(table: PolicyTable): CompiledRoute[] {
  let routes = compiled.get(table);
  if (!routes) {
    routes = Object.entries(table).map(([path, policy]) => {
      const segments = path.split('/').filter(Boolean);
      return { segments, specificity: segments.filter((s) => !s.startsWith(':')).length, policy };
    });
    routes.sort((a, b) => b.specificity - a.specificity);
    compiled.set(table, routes);
  }
  return routes;
}

/**
 * The roles allowed to call `method path` under `table`, or `undefined` when no route matches or
 * the route declares no policy for that method (which callers must treat as "nobody").
 */
export function allowedRoles(table: PolicyTable, method: string, path: string): readonly Role[] | undefined {
  const m = (method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase()) as Method;
  const parts = path.split('/').filter(Boolean);
  const route = compile(table).find(
    (r) => r.segments.length === parts.length && r.segments.every((s, i) => s.startsWith(':') || s === parts[i]),
  );
  return route?.policy[m];
}

export function isAllowed(table: PolicyTable, method: string, path: string, role: Role): boolean {
  return allowedRoles(table, method, path)?.includes(role) ?? false;
}
