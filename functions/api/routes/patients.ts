import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { getPatient } from '../../../shared/patients/get-patient';
import { getPatientOverview, overviewAuditResources } from '../../../shared/patients/get-patient-overview';
import { listPatients } from '../../../shared/patients/list-patients';
import { ZPatientOverview } from '../../../shared/patients/overview-schema';
import { ZPatient } from '../../../shared/patients/schema';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZPatientView, ZUlidParam } from '../schemas';

/**
 * /api/patients: the minimum-necessary patient projection (PHI) and their referrals, and the
 * patient overview (referrals, tasks, care plans and one timeline, as far as the caller's role may
 * read each).
 */
export function patientsRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        request: { query: z.object({ cursor: z.string().max(1000).optional(), limit: z.coerce.number().int().min(1).max(200).optional() }) },
        responses: { 200: json(z.object({ patients: z.array(ZPatient), nextCursor: z.string().optional() }), 'Patients'), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const page = await listPatients(ctx, { ...(q.cursor ? { cursor: q.cursor } : {}), ...(q.limit ? { limit: q.limit } : {}) });
        c.get('audit').add('list', ...page.patients.map((p) => ({ resourceType: 'Patient' as const, resourceId: p.id, patientId: p.id })));
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', request: { params: ZUlidParam }, responses: { 200: json(ZPatientView, 'The patient and their referrals (none for roles that may not read referrals)'), ...errorResponses } }),
      async (c) => {
        const view = await getPatient(ctx, { id: c.req.valid('param').id, role: c.get('actor').role });
        c.get('audit').add('read', { resourceType: 'Patient', resourceId: view.patient.id, patientId: view.patient.id });
        return c.json(view, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/{id}/overview',
        request: { params: ZUlidParam },
        responses: {
          200: json(
            ZPatientOverview,
            'The patient, their EHR link, and the referrals, tasks and care plans the caller’s role may read (other sections absent), with one timeline of their activity, newest first',
          ),
          ...errorResponses,
        },
      }),
      async (c) => {
        const overview = await getPatientOverview(ctx, { id: c.req.valid('param').id, role: c.get('actor').role });
        const { patient, listed } = overviewAuditResources(overview);
        c.get('audit').add('read', patient);
        c.get('audit').add('list', ...listed);
        return c.json(overview, 200);
      },
    );
}
