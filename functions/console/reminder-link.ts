import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import type { AppContext } from '../../shared/context';
import { NotFoundError } from '../../shared/errors';
import { errorFields, logger } from '../../shared/logger';
import { getReminderLinkView, type ReminderLinkView } from '../../shared/reminders/reminder-link-view';
import { stopRemindersByLink } from '../../shared/reminders/stop-by-link';
import type { ReminderLanguage } from '../../shared/reminders/templates';
import { routeShape } from '../http/auth';

/**
 * The patient's side of a reminder: the page behind the link every reminder carries
 * (`GET /r/:id`) and its stop button (`POST /r/:id/stop`, also the RFC 8058 one-click target of the
 * email's List-Unsubscribe header; `GET /r/:id/stop` shows the page, for mail clients that open
 * that URL in a browser). Public — patients have no accounts; the unguessable id is the only
 * credential — and so listed in CONSOLE_PUBLIC_ROUTES (shared/auth/policy.ts) and mounted before
 * the console's session, policy and header middleware. Plain HTML without scripts or styles, with headers
 * of its own: never cached, no referrer, not indexed, never framed. Nothing is audited (the reader
 * is not staff) and nothing logged here but the route's shape on a failure.
 */

/** Bodies of a stop: an empty form (the page's button) or RFC 8058's `List-Unsubscribe=One-Click`; more is refused. */
const MAX_STOP_BODY_BYTES = 4 * 1024;
const ZOneClickBody = z.object({ 'List-Unsubscribe': z.literal('One-Click') });

const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Every answer of these routes: HTML, with the headers a patient-facing page needs whatever its status. */
function respond(status: number, language: ReminderLanguage, title: string, body: string): Response {
  const html = `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${escape(title)}</title></head><body><main>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
      'X-Robots-Tag': 'noindex',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': CSP,
    },
  });
}

/** A fixed answer in both languages (the reminder's language is unknown, or must not be revealed). */
function bilingual(status: number, en: { title: string; message: string }, es: { title: string; message: string }): Response {
  return respond(status, 'en', `${en.title} · ${es.title}`, `<h1>${escape(en.title)}</h1><p>${escape(en.message)}</p><div lang="es"><h2>${escape(es.title)}</h2><p>${escape(es.message)}</p></div>`);
}

/** The one answer for a malformed, unknown or expired link: identical for all, so ids cannot be probed. */
const notFound = () =>
  bilingual(
    404,
    { title: 'Link not available', message: 'This reminder link is not valid or has expired. If you have questions, please contact your care team.' },
    { title: 'Enlace no disponible', message: 'Este enlace de recordatorio no es válido o ha caducado. Si tiene preguntas, póngase en contacto con su equipo de atención.' },
  );

const refused = (status: number) =>
  bilingual(
    status,
    { title: 'Request refused', message: 'This request was not accepted. Open the link from your reminder and use the button on that page.' },
    { title: 'Solicitud rechazada', message: 'No se aceptó esta solicitud. Abra el enlace de su recordatorio y use el botón de esa página.' },
  );

const failed = () =>
  bilingual(
    500,
    { title: 'Something went wrong', message: 'Please try again later.' },
    { title: 'Se produjo un error', message: 'Vuelva a intentarlo más tarde.' },
  );

function reminderPage(view: ReminderLinkView): Response {
  const form = `<form method="post" action="/r/${escape(view.reminderId)}/stop"><button type="submit">${escape(view.stopLabel)}</button></form>`;
  return respond(200, view.language, view.title, `<h1>${escape(view.title)}</h1><p>${escape(view.message)}</p>${form}`);
}

/**
 * Whether a POST may come from here: a browser says where the form was (`Sec-Fetch-Site`, else
 * `Origin`), and only a page of this origin may stop reminders. Our own page is `no-referrer`, so
 * a browser posts its form with `Origin: null`: with Sec-Fetch-Site present it decides; without it
 * (older browsers) a `null` origin says nothing and is let through like a missing one. A POST with
 * neither header is not a browser's cross-site form — a mail provider's RFC 8058 one-click, which
 * sends no Origin — and is allowed: the id in the URL is the credential.
 */
export function isSameOriginOrNotBrowser(headers: Headers, publicUrl: string): boolean {
  const site = headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = headers.get('origin');
  return origin === null || origin === 'null' || origin === new URL(publicUrl).origin;
}

/** The routes under `/r` (mount with `app.route('/r', …)` before any session or header middleware). */
export function reminderLinkRoutes(ctx: AppContext) {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof NotFoundError) return notFound();
    logger.error('Reminder link page failed', { path: routeShape(c.req.path), ...errorFields(error) });
    return failed();
  });

  const show = async (id: string) => reminderPage(await getReminderLinkView(ctx, { reminderId: id }));
  app.get('/:id', (c) => show(c.req.param('id')));
  app.get('/:id/stop', (c) => show(c.req.param('id')));

  app.post('/:id/stop', bodyLimit({ maxSize: MAX_STOP_BODY_BYTES, onError: () => refused(413) }), async (c) => {
    if (!isSameOriginOrNotBrowser(c.req.raw.headers, ctx.config.publicUrl)) return refused(403);
    const body = await c.req.parseBody().catch(() => ({}));
    const via = ZOneClickBody.safeParse(body).success ? 'one-click' : 'page';
    const stopped = await stopRemindersByLink(ctx, { reminderId: c.req.param('id'), via });
    return respond(200, stopped.language, stopped.title, `<h1>${escape(stopped.title)}</h1><p>${escape(stopped.message)}</p>`);
  });

  // Anything else under /r (another method, a deeper path) is the same not-found page, never the console.
  app.all('*', () => notFound());
  return app;
}
