import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import {
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRevalidator,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import { type ReactNode, useEffect } from 'react';
import { CONSOLE_POLICY, isAllowed } from '../../shared/auth/policy';
import { PostForm } from '~/components/post-form';
import { outboxConfigured } from '~/lib/outbox.server';
import { session } from '~/lib/session.server';
import { isValidTimeZone, TIME_ZONE_COOKIE } from '~/lib/time';
import stylesheet from '~/styles.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: stylesheet },
  // No favicon request (it would only reach the console as a 404).
  { rel: 'icon', href: 'data:,' },
];

export const meta: MetaFunction = () => [{ title: 'Sidecar' }];

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) {
      try {
        return decodeURIComponent(v.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Main navigation: each link shown only to roles whose policy allows the page. */
const NAV = [
  { to: '/queue', label: 'Queue' },
  { to: '/work', label: 'Work' },
  { to: '/escalations', label: 'Escalations' },
  { to: '/dashboard', label: 'Dashboard' },
  { to: '/referrals/new', label: 'New referral' },
  { to: '/events', label: 'Events' },
  { to: '/admin/sources', label: 'EHR sources' },
  { to: '/admin/users', label: 'Staff' },
  { to: '/audit', label: 'Audit log' },
] as const;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { ctx, actor, csrf, nonce } = session(context);
  const zone = cookieValue(request.headers.get('cookie'), TIME_ZONE_COOKIE);
  return json({
    user: { name: actor.name, role: actor.role },
    nav: NAV.filter((n) => isAllowed(CONSOLE_POLICY, 'GET', n.to, actor.role)),
    csrf,
    nonce,
    devEnabled: Boolean(ctx.config.ehrSimulatorUrl),
    // The messaging stand-ins' outbox: local runs only, and only for roles that may read it.
    outboxEnabled: outboxConfigured(ctx) && isAllowed(CONSOLE_POLICY, 'GET', '/outbox', actor.role),
    timeZone: isValidTimeZone(zone) ? zone : 'UTC',
  });
}

/** Remembers the browser's time zone so the server formats times in it (progressive enhancement). */
function useBrowserTimeZone(current: string | undefined) {
  const revalidator = useRevalidator();
  useEffect(() => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!current || !zone || zone === current) return;
    const secure = window.location.protocol === 'https:' ? '; Secure' : '';
    document.cookie = `${TIME_ZONE_COOKIE}=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    revalidator.revalidate();
    // Once per page load: the cookie is read back on the next request.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  useBrowserTimeZone(data?.timeZone);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to main content
        </a>
        <header className="site-header">
          <Link to="/queue" className="brand">
            Sidecar
          </Link>
          <nav aria-label="Main">
            <ul>
              {(data?.nav ?? []).map((n) => (
                <li key={n.to}>
                  <NavLink to={n.to}>{n.label}</NavLink>
                </li>
              ))}
              {data?.outboxEnabled ? (
                <li>
                  <NavLink to="/outbox">Outbox</NavLink>
                </li>
              ) : null}
              {data?.devEnabled ? (
                <li>
                  <NavLink to="/dev">Dev</NavLink>
                </li>
              ) : null}
            </ul>
          </nav>
          {data ? (
            <p className="whoami">
              Signed in as <strong data-testid="current-user">{data.user.name}</strong>{' '}
              <span className="role" data-testid="current-role">
                ({data.user.role})
              </span>
            </p>
          ) : null}
          {data ? (
            <PostForm action="/auth/logout" reloadDocument className="sign-out">
              <button type="submit">Sign out</button>
            </PostForm>
          ) : null}
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <ScrollRestoration nonce={data?.nonce} />
        <Scripts nonce={data?.nonce} />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

const TITLES: Record<number, string> = {
  400: 'Not a valid request',
  401: 'Sign-in required',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  422: 'Cannot be processed',
  503: 'Service unavailable',
};

/** Every failure renders a page with its status and a message (never a blank page). */
export function ErrorBoundary() {
  const error = useRouteError();
  let status = 500;
  let message = 'Something went wrong on our side. It has been logged; try again, or go back to the queue.';
  if (isRouteErrorResponse(error)) {
    status = error.status;
    const data = error.data as { message?: unknown } | string | undefined;
    message =
      typeof data === 'object' && data && typeof data.message === 'string'
        ? data.message
        : status === 404
          ? 'There is no page at this address.'
          : error.statusText || message;
  }
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'Request refused');
  return (
    <section className="error-page" aria-labelledby="error-title">
      <h1 id="error-title">
        <span data-testid="error-status">{status}</span> — {title}
      </h1>
      <div className="alert" role="alert">
        <p>{message}</p>
      </div>
      <p>
        <Link to="/queue">Back to the queue</Link>
      </p>
    </section>
  );
}
