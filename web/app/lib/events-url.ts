/** The events page's address for a view and day (built from validated values only). */
export function eventsUrl(search: { view: 'recent' | 'failed'; day?: string | undefined }, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({ view: search.view, ...(search.day ? { day: search.day } : {}), ...extra });
  return `/events?${p.toString()}`;
}

