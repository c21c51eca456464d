import type { FastifyReply } from 'fastify';

/** The headers every action-link page carries: not cached, not indexed, not framed, the token never sent on as a Referer. */
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Text made safe inside HTML element content and quoted attribute values. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A whole page: `heading` as the title and first heading, `inner` (already escaped HTML) below it. */
function page(heading: string, inner: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex, nofollow">',
    `<title>${esc(heading)} · Vigil</title>`,
    '<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;max-width:36rem;margin:3rem auto;padding:0 1rem}',
    'button{font-size:1rem;padding:.6rem 1.4rem;border:0;border-radius:4px;background:#1565c0;color:#fff;cursor:pointer}',
    '.about{font-size:1.1rem;font-weight:bold}.note{color:#666;font-size:.9rem}</style></head>',
    `<body><h1>${esc(heading)}</h1>`,
    inner,
    '</body></html>',
  ].join('\n');
}

/** Sends `html` with status `status` and the page headers. */
export function sendPage(reply: FastifyReply, status: number, html: string): FastifyReply {
  return reply.status(status).headers(PAGE_HEADERS).send(html);
}

const VERB = { acknowledge: 'Acknowledge', resolve: 'Resolve' } as const;
const DONE = { acknowledge: 'acknowledged', resolve: 'resolved' } as const;

/**
 * The confirmation page a link opens: what it is about and one button that POSTs back to the
 * same address. Showing it changes nothing (mail scanners follow links).
 */
export function confirmPage(action: 'acknowledge' | 'resolve', about: string, title: string): string {
  return page(`${VERB[action]} this ${about.toLowerCase()}?`, [
    `<p class="about">${esc(title)}</p>`,
    `<form method="post"><button type="submit">${VERB[action]}</button></form>`,
    `<p class="note">Nothing changes until you press ${VERB[action]}.</p>`,
  ].join('\n'));
}

/** The page after acting: done, or already done before (nothing changed). */
export function resultPage(action: 'acknowledge' | 'resolve', outcome: 'done' | 'already', about: string, title: string): string {
  if (outcome === 'done') {
    const after = action === 'acknowledge' ? ' Its escalation stops.' : '';
    return page(`${DONE[action][0]!.toUpperCase()}${DONE[action].slice(1)}`, `<p>${esc(about)} <span class="about">${esc(title)}</span> is ${DONE[action]}.${after}</p>`);
  }
  return page(
    `Already ${DONE[action]}`,
    `<p>${esc(about)} <span class="about">${esc(title)}</span> was already ${action === 'acknowledge' ? 'acknowledged or resolved' : 'resolved'}; nothing changed.</p>`,
  );
}

/** A page saying why a link does nothing (`heading` and a one-sentence `message`). */
export function problemPage(heading: string, message: string): string {
  return page(heading, `<p>${esc(message)}</p>`);
}
