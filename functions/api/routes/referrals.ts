import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { addReferralNote, ZNoteText } from '../../../shared/referrals/add-referral-note';
import { getReferralRecord } from '../../../shared/referrals/repository';
import { assignReferral, claimReferral } from '../../../shared/referrals/assign-referral';
import { createReferral, ZCreateReferralInput } from '../../../shared/referrals/create-referral';
import { getReferral } from '../../../shared/referrals/get-referral';
import { ZReferral, ZTimelineEntry } from '../../../shared/referrals/schema';
import { ZReferralAction } from '../../../shared/referrals/state-machine';
import { transitionReferral } from '../../../shared/referrals/transition-referral';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZReferralView, ZUlidParam, ZVersion } from '../schemas';

const ZTransitionBody = z.intersection(ZVersion, ZReferralAction);

const referralResource = (r: { id: string; patientId: string }) => ({ resourceType: 'Referral' as const, resourceId: r.id, patientId: r.patientId });

/** /api/referrals: create, read with timeline, claim, assign, transition, note. */
export function referralsRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({ method: 'post', path: '/', request: { body: { content: { 'application/json': { schema: ZCreateReferralInput } }, required: true } }, responses: { 201: json(ZReferral, 'Created'), ...errorResponses } }),
      async (c) => {
        const referral = await createReferral(ctx, { actor: c.get('actor'), input: c.req.valid('json') });
        c.get('audit').add('create', referralResource(referral));
        return c.json(referral, 201);
      },
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', request: { params: ZUlidParam }, responses: { 200: json(ZReferralView, 'The referral with its timeline and patient'), ...errorResponses } }),
      async (c) => {
        const view = await getReferral(ctx, { id: c.req.valid('param').id });
        c.get('audit').add('read', referralResource(view.referral));
        return c.json(view, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/claim', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: ZVersion } }, required: true } }, responses: { 200: json(ZReferral, 'Claimed'), ...errorResponses } }),
      async (c) => {
        const referral = await claimReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version: c.req.valid('json').version });
        c.get('audit').add('claim', referralResource(referral));
        return c.json(referral, 200);
      },
    )
    .openapi(
      createRoute({
        method: 'post',
        path: '/{id}/assign',
        request: { params: ZUlidParam, body: { content: { 'application/json': { schema: ZVersion.extend({ assigneeId: z.string().max(100).nullable() }) } }, required: true } },
        responses: { 200: json(ZReferral, 'Assigned'), ...errorResponses },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const referral = await assignReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version: body.version, assigneeId: body.assigneeId });
        c.get('audit').add('assign', referralResource(referral));
        return c.json(referral, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/transitions', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: ZTransitionBody } }, required: true } }, responses: { 200: json(ZReferral, 'Transitioned'), ...errorResponses } }),
      async (c) => {
        const { version, ...action } = c.req.valid('json');
        const referral = await transitionReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, action: ZReferralAction.parse(action) });
        c.get('audit').add('transition', referralResource(referral));
        return c.json(referral, 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/notes', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: z.object({ text: ZNoteText }) } }, required: true } }, responses: { 201: json(ZTimelineEntry, 'Note added'), ...errorResponses } }),
      async (c) => {
        const id = c.req.valid('param').id;
        const entry = await addReferralNote(ctx, { actor: c.get('actor'), id, text: c.req.valid('json').text });
        const referral = await getReferralRecord(ctx, id);
        c.get('audit').add('note', { resourceType: 'Referral', resourceId: id, ...(referral ? { patientId: referral.patientId } : {}) });
        return c.json(entry, 201);
      },
    );
}
