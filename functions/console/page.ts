const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/**
 * A minimal standalone page for answers the console gives before Remix runs (sign-in, refusals,
 * failures). Messages are fixed text written by us — never request data.
 */
export function page(status: number, title: string, message: string, link: { href: string; label: string } = { href: '/', label: 'Go to Sidecar' }): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} · Sidecar</title></head><body><main><h1>${escape(title)}</h1><p>${escape(message)}</p><p><a href="${escape(link.href)}">${escape(link.label)}</a></p></main></body></html>`;
  return new Response(html, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
