import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { withPlannedWork } from '../../../shared/careplans/apply-planned-work';
import { createCarePlan, ZCreateCarePlanInput } from '../../../shared/careplans/create-care-plan';
import { getCarePlan } from '../../../shared/careplans/get-care-plan';
import { listCarePlansForPatient } from '../../../shared/careplans/list-care-plans-for-patient';
import { ZCarePlan, ZCarePlanTimelineEntry } from '../../../shared/careplans/schema';
import { ZCarePlanTransition } from '../../../shared/careplans/state-machine';
import { carePlanToFhir } from '../../../shared/careplans/to-fhir';
import { transitionCarePlan } from '../../../shared/careplans/transition-care-plan';
import { updateCarePlan, ZUpdateCarePlanInput } from '../../../shared/careplans/update-care-plan';
import type { AppContext } from '../../../shared/context';
import { getPatientRecord } from '../../../shared/patients/repository';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZUlidParam, ZVersion } from '../schemas';

const body = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } }, required: true });
const resource = (p: { id: string; patientId: string }) => ({ resourceType: 'CarePlan' as const, resourceId: p.id, patientId: p.patientId });
const ZFhirExport = z.object({ carePlan: z.record(z.string(), z.unknown()), goals: z.array(z.record(z.string(), z.unknown())) });

/**
 * /api/care-plans: a patient's care plans — create (blank or from a template), read with timeline,
 * revise, transition, and export as FHIR R4 CarePlan + Goals. Every change hands the work it calls
 * for (tasks to create or cancel) to the tasks module before answering.
 */
export function carePlansRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({ method: 'post', path: '/', request: { body: body(ZCreateCarePlanInput) }, responses: { 201: json(ZCarePlan, 'Created'), ...errorResponses } }),
      async (c) => {
        const plan = await withPlannedWork(ctx, createCarePlan(ctx, { actor: c.get('actor'), input: c.req.valid('json') }));
        c.get('audit').add('create', resource(plan));
        return c.json(plan, 201);
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/',
        request: { query: z.object({ patientId: ZUlidParam.shape.id, cursor: z.string().max(1000).optional() }) },
        responses: { 200: json(z.object({ carePlans: z.array(ZCarePlan), nextCursor: z.string().optional() }), 'A patient’s care plans'), ...errorResponses },
      }),
      async (c) => {
        const q = c.req.valid('query');
        const page = await listCarePlansForPatient(ctx, { patientId: q.patientId, ...(q.cursor ? { cursor: q.cursor } : {}) });
        c.get('audit').add('list', ...page.carePlans.map(resource));
        return c.json(page, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', request: { params: ZUlidParam }, responses: { 200: json(z.object({ carePlan: ZCarePlan, timeline: z.array(ZCarePlanTimelineEntry) }), 'The plan'), ...errorResponses } }),
      async (c) => {
        const view = await getCarePlan(ctx, { id: c.req.valid('param').id });
        c.get('audit').add('read', resource(view.carePlan));
        return c.json(view, 200);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}/fhir', request: { params: ZUlidParam }, responses: { 200: json(ZFhirExport, 'FHIR R4 CarePlan with its Goals'), ...errorResponses } }),
      async (c) => {
        const { carePlan } = await getCarePlan(ctx, { id: c.req.valid('param').id });
        const patient = await getPatientRecord(ctx, carePlan.patientId);
        c.get('audit').add('read', resource(carePlan));
        return c.json(carePlanToFhir(carePlan, patient?.ehr ? { patientReference: patient.ehr.reference } : {}), 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/revisions', request: { params: ZUlidParam, body: body(z.intersection(ZVersion, ZUpdateCarePlanInput)) }, responses: { 200: json(ZCarePlan, 'Revised'), ...errorResponses } }),
      async (c) => {
        const { version, ...input } = c.req.valid('json');
        const plan = await withPlannedWork(ctx, updateCarePlan(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, input }));
        c.get('audit').add('update', resource(plan));
        return c.json(plan, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/transitions', request: { params: ZUlidParam, body: body(z.intersection(ZVersion, ZCarePlanTransition)) }, responses: { 200: json(ZCarePlan, 'Transitioned'), ...errorResponses } }),
      async (c) => {
        const { version, ...input } = c.req.valid('json');
        const plan = await withPlannedWork(ctx, transitionCarePlan(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, input }));
        c.get('audit').add('transition', resource(plan));
        return c.json(plan, 200);
      },
    );
}
