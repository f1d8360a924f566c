import { useNavigation, useRouteLoaderData } from '@remix-run/react';
import type { ReactNode } from 'react';
import { formatDate, formatDateTime } from '~/lib/time';
import type { loader as rootLoader } from '~/root';

/** The zone times are shown in: the browser's (remembered in a cookie), else UTC. */
export function useTimeZone(): string {
  return useRouteLoaderData<typeof rootLoader>('root')?.timeZone ?? 'UTC';
}

/** A point in time, formatted with its zone; the machine-readable value stays in `dateTime`. */
export function DateTime({ iso }: { iso: string | undefined }) {
  const zone = useTimeZone();
  if (!iso) return <span className="muted">—</span>;
  return (
    // Browsers' Intl data can differ from the server's in spacing; the instant does not.
    <time dateTime={iso} suppressHydrationWarning>
      {formatDateTime(iso, zone)}
    </time>
  );
}

/** A calendar date (a birth date): no zone, shown as written. */
export function DateOnly({ date }: { date: string | undefined }) {
  if (!date) return <span className="muted">Not recorded</span>;
  return <time dateTime={date}>{formatDate(date)}</time>;
}

/** A visible, announced error for the form or field next to it. */
export function Alert({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <div className="alert" role="alert" id={id}>
      {children}
    </div>
  );
}

/** An announced success message (after POST/redirect/GET). */
export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="notice" role="status">
      {children}
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="field-error" id={id}>
      {message}
    </p>
  );
}

/**
 * A submit button that says so while its form is being sent (with JavaScript); without it, the
 * plain form posts and the page reloads.
 */
export function SubmitButton({
  children,
  intent,
  className,
  name = 'intent',
  value,
  describedBy,
}: {
  children: string;
  intent?: string;
  className?: string;
  name?: string;
  value?: string;
  /** Context for a repeated button ("Replay" in each row): its row's heading. */
  describedBy?: string;
}) {
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting' && (intent === undefined || navigation.formData?.get('intent') === intent);
  return (
    <button
      type="submit"
      className={className}
      name={value === undefined ? undefined : name}
      value={value}
      aria-disabled={busy || undefined}
      aria-describedby={describedBy}
      data-busy={busy || undefined}
      onClick={(e) => {
        // One submission at a time: a double click would only earn a stale-version 409.
        if (busy) e.preventDefault();
      }}
    >
      {children}
    </button>
  );
}

/** "Overdue" in words beside the highlight, never colour alone. */
export function OverdueTag() {
  return <strong className="tag tag-overdue">Overdue</strong>;
}

/** A link into the EHR's own chart, opened in a new tab (and announced as such to screen readers). */
export function EhrLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  );
}
