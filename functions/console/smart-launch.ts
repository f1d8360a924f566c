import { createHash, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { loadSession, saveHandshake, takeHandshake } from '../../shared/auth/sessions';
import type { AppContext } from '../../shared/context';
import { BadRequestError, ForbiddenError, UnavailableError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { findPatientIdByEhrLink } from '../../shared/patients/repository';
import { findReferralIdByEhrLink } from '../../shared/referrals/repository';
import { AuditTrail } from '../http/audit-trail';
import type { AuthVariables } from '../http/auth';
import { clearCookie, readCookie, SESSION_COOKIE, writeCookie } from './cookies';
import { page } from './page';

/**
 * SMART App Launch (EHR launch) into Sidecar's own views. `/launch?iss&launch` accepts only
 * allowlisted FHIR bases (SIDECAR_SMART_ISSUERS), discovers the EHR's smart-configuration, and
 * sends the browser to its authorization endpoint with the opaque `launch`, the minimal scope
 * (`launch`), `aud=iss`, a `state` bound to this browser and Sidecar session, and PKCE S256. The
 * callback exchanges the code and opens the referral (fhirContext ServiceRequest) or patient
 * (token `patient`) — through the usual console policy, so Sidecar's roles still apply. The EHR's
 * access token is not kept: Sidecar reads FHIR with its own EHR client.
 */
export const LAUNCH_COOKIE = 'sidecar_launch';
const CALLBACK = '/launch/callback';

const ZSmartConfiguration = z.object({
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
});
const ZTokenResponse = z.object({
  access_token: z.string().min(1),
  patient: z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/).optional(),
  fhirContext: z.array(z.object({ reference: z.string().max(200).optional() })).optional(),
});
const ZLaunchHandshake = z.object({
  kind: z.literal('smart'),
  iss: z.string(),
  state: z.string(),
  verifier: z.string(),
  userId: z.string(),
  tokenEndpoint: z.url(),
});
const ZLaunchParam = z.string().regex(/^[A-Za-z0-9._~-]{1,512}$/);

const trimSlash = (s: string) => s.replace(/\/+$/, '');

export function launchRoutes(ctx: AppContext) {
  const app = new Hono<{ Variables: AuthVariables }>();
  const issuerFor = (iss: string | undefined) => ctx.config.smartIssuers.find((i) => iss !== undefined && trimSlash(i.iss) === trimSlash(iss));

  app.get('/', async (c) => {
    const issuer = issuerFor(c.req.query('iss'));
    if (!issuer) throw new ForbiddenError('This EHR is not allowed to launch Sidecar');
    const launch = ZLaunchParam.safeParse(c.req.query('launch'));
    if (!launch.success) throw new BadRequestError('The launch request is missing its launch context');
    const session = await loadSession(ctx, readCookie(c, ctx.config, SESSION_COOKIE));
    if (!session) {
      const back = `/launch?iss=${encodeURIComponent(issuer.iss)}&launch=${encodeURIComponent(launch.data)}`;
      return c.redirect(`/auth/login?returnTo=${encodeURIComponent(back)}`, 302);
    }
    const smart = await discover(ctx, issuer.iss);
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(32).toString('base64url');
    const handshakeId = await saveHandshake(ctx, { kind: 'smart', iss: issuer.iss, state, verifier, userId: session.user.id, tokenEndpoint: smart.token_endpoint }, 300);
    writeCookie(c, ctx.config, LAUNCH_COOKIE, handshakeId, 300);
    const url = new URL(smart.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: issuer.clientId,
      redirect_uri: `${ctx.config.publicUrl}${CALLBACK}`,
      launch: launch.data,
      scope: 'launch',
      state,
      aud: issuer.iss,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return c.redirect(url.href, 302);
  });

  app.get('/callback', async (c) => {
    const handshake = ZLaunchHandshake.safeParse(await takeHandshake(ctx, readCookie(c, ctx.config, LAUNCH_COOKIE)));
    clearCookie(c, ctx.config, LAUNCH_COOKIE);
    if (!handshake.success || c.req.query('state') !== handshake.data.state) {
      return page(400, 'Launch expired', 'This launch from the EHR has expired or was already used. Launch Sidecar again from the EHR.');
    }
    const session = await loadSession(ctx, readCookie(c, ctx.config, SESSION_COOKIE));
    if (!session || session.user.id !== handshake.data.userId) {
      return page(401, 'Sign-in required', 'Sign in to Sidecar, then launch it again from the EHR.', { href: '/auth/login', label: 'Sign in' });
    }
    if (c.req.query('error')) {
      logger.info('SMART launch refused by the EHR', { error: z.string().max(64).catch('invalid').parse(c.req.query('error')) });
      return page(403, 'The EHR did not authorise the launch', 'Launch Sidecar again from the EHR, or ask its administrator.');
    }
    const issuer = issuerFor(handshake.data.iss);
    const code = c.req.query('code');
    if (!issuer || !code) return page(400, 'Launch incomplete', 'The EHR did not send an authorisation code. Launch Sidecar again from the EHR.');
    const token = await exchange(ctx, handshake.data.tokenEndpoint, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${ctx.config.publicUrl}${CALLBACK}`,
      client_id: issuer.clientId,
      code_verifier: handshake.data.verifier,
    });
    const trail = new AuditTrail(ctx, session.user, c.get('meta'), 'smart');
    const serviceRequest = token.fhirContext?.map((f) => f.reference).find((r) => r?.startsWith('ServiceRequest/'));
    const patientId = token.patient ? await findPatientIdByEhrLink(ctx, { sourceId: issuer.sourceId, reference: `Patient/${token.patient}` }) : undefined;
    const referralId = serviceRequest ? await findReferralIdByEhrLink(ctx, { sourceId: issuer.sourceId, reference: serviceRequest }) : undefined;
    if (referralId) {
      trail.add('launch', { resourceType: 'Referral', resourceId: referralId, ...(patientId ? { patientId } : {}) });
      await trail.flush();
      return c.redirect(`/referrals/${referralId}`, 303);
    }
    if (patientId) {
      trail.add('launch', { resourceType: 'Patient', resourceId: patientId, patientId });
      await trail.flush();
      return c.redirect(`/patients/${patientId}`, 303);
    }
    return page(404, 'Not in Sidecar yet', 'The EHR launched Sidecar for a patient Sidecar has not received yet. Try again in a minute.');
  });

  return app;
}

async function discover(ctx: AppContext, iss: string): Promise<z.infer<typeof ZSmartConfiguration>> {
  const res = await ctx
    .fetch(`${trimSlash(iss)}/.well-known/smart-configuration`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) })
    .catch(() => undefined);
  const parsed = res?.ok ? ZSmartConfiguration.safeParse(await res.json().catch(() => undefined)) : undefined;
  if (!parsed?.success) throw new UnavailableError('The EHR’s SMART configuration could not be read');
  if (parsed.data.code_challenge_methods_supported && !parsed.data.code_challenge_methods_supported.includes('S256')) {
    throw new UnavailableError('The EHR does not support PKCE S256');
  }
  return parsed.data;
}

async function exchange(ctx: AppContext, tokenEndpoint: string, form: Record<string, string>): Promise<z.infer<typeof ZTokenResponse>> {
  const res = await ctx
    .fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(5_000),
    })
    .catch(() => undefined);
  if (!res) throw new UnavailableError('The EHR’s token endpoint could not be reached');
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    logger.info('SMART token exchange refused', { status: res.status });
    throw new ForbiddenError('The EHR refused the launch; launch Sidecar again from the EHR');
  }
  const parsed = ZTokenResponse.safeParse(body);
  if (!parsed.success) throw new UnavailableError('The EHR’s token response was not understood');
  return parsed.data;
}
