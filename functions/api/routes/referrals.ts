import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppContext } from '../../../shared/context';
import { addReferralNote, ZNoteText } from '../../../shared/referrals/add-referral-note';
import { assignReferral, claimReferral } from '../../../shared/referrals/assign-referral';
import { createReferral, ZCreateReferralInput } from '../../../shared/referrals/create-referral';
import { getReferral } from '../../../shared/referrals/get-referral';
import { ZReferral, ZTimelineEntry } from '../../../shared/referrals/schema';
import { ZReferralAction } from '../../../shared/referrals/state-machine';
import { transitionReferral } from '../../../shared/referrals/transition-referral';
import { newRouter } from '../../http/router';
import { errorResponses, json, ZReferralView, ZUlidParam, ZVersion } from '../schemas';

const ZTransitionBody = z.intersection(ZVersion, ZReferralAction);

/** /api/referrals: create, read with timeline, claim, assign, transition, note. */
export function referralsRoutes(ctx: AppContext) {
  return newRouter()
    .openapi(
      createRoute({ method: 'post', path: '/', request: { body: { content: { 'application/json': { schema: ZCreateReferralInput } }, required: true } }, responses: { 201: json(ZReferral, 'Created'), ...errorResponses } }),
      async (c) => c.json(await createReferral(ctx, { actor: c.get('actor'), input: c.req.valid('json') }), 201),
    )
    .openapi(
      createRoute({ method: 'get', path: '/{id}', request: { params: ZUlidParam }, responses: { 200: json(ZReferralView, 'The referral with its timeline and patient'), ...errorResponses } }),
      async (c) => c.json(await getReferral(ctx, { id: c.req.valid('param').id }), 200),
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/claim', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: ZVersion } }, required: true } }, responses: { 200: json(ZReferral, 'Claimed'), ...errorResponses } }),
      async (c) => c.json(await claimReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version: c.req.valid('json').version }), 200),
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
        return c.json(await assignReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version: body.version, assigneeId: body.assigneeId }), 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/transitions', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: ZTransitionBody } }, required: true } }, responses: { 200: json(ZReferral, 'Transitioned'), ...errorResponses } }),
      async (c) => {
        const { version, ...action } = c.req.valid('json');
        return c.json(await transitionReferral(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, version, action: ZReferralAction.parse(action) }), 200);
      },
    )
    .openapi(
      createRoute({ method: 'post', path: '/{id}/notes', request: { params: ZUlidParam, body: { content: { 'application/json': { schema: z.object({ text: ZNoteText }) } }, required: true } }, responses: { 201: json(ZTimelineEntry, 'Note added'), ...errorResponses } }),
      async (c) => c.json(await addReferralNote(ctx, { actor: c.get('actor'), id: c.req.valid('param').id, text: c.req.valid('json').text }), 201),
    );
}
