import type { Page } from 'playwright-core';

/** One row of the console's audit log, as the page shows it (cell texts). */
export interface AuditRowText {
  user: string;
  role: string;
  /** The action's label and channel, e.g. "Read\nvia Console". */
  action: string;
  /** Resource type and id, e.g. "Referral\n01J…". */
  resource: string;
  patient: string;
  outcome: string;
}

/**
 * Opens the audit log with `filters` (query parameters: user, patient, from, to) in `page`, which
 * must be signed in as a role that may read it, and returns the first page's rows, newest first.
 */
export async function readAuditLog(page: Page, baseUrl: string, filters: Record<string, string>): Promise<AuditRowText[]> {
  const response = await page.goto(`${baseUrl}/audit?${new URLSearchParams(filters).toString()}`);
  if (response?.status() !== 200) throw new Error(`GET /audit: HTTP ${response?.status()}`);
  const cells = await page
    .getByTestId('audit-row')
    .evaluateAll((rows) => rows.map((row) => Array.from(row.children).map((cell) => (cell as HTMLElement).innerText.trim())));
  return cells.map(([, user = '', role = '', action = '', resource = '', patient = '', outcome = '']) => ({ user, role, action, resource, patient, outcome }));
}
