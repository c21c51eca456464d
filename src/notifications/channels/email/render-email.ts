import type { OutgoingMessage } from '../channel.ts';
import { clip } from '../text.ts';
import { label } from '../../../incidents/subjects.ts';

/** The signed links an email's buttons open (null when the message has no subject to act on). */
export interface EmailLinks {
  readonly acknowledgeUrl: string | null;
  readonly resolveUrl: string | null;
}

/** The subject line, the plain-text body and the HTML body of one email. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Longest subject line kept (a title is a line, not a document). */
const MAX_SUBJECT_CHARS = 250;
/** Longest body kept: a notification, not an attachment. */
const MAX_BODY_CHARS = 100_000;

/** Text made safe inside HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** The facts an email lists under its title: severity (when known), what it is about, why it was sent. */
export function factsOf(message: OutgoingMessage): Array<readonly [string, string]> {
  const facts: Array<readonly [string, string]> = [];
  if (message.severity) facts.push(['Severity', message.severity]);
  if (message.subject) facts.push(['About', label(message.subject.type)]);
  facts.push(['Reason', message.reason]);
  return facts;
}

/**
 * The email for a message: the title as the subject (one line, cut to 250 characters), and
 * a text and an HTML body with the title, the facts (severity, subject, reason), the body and,
 * when there are links, "Acknowledge" and "Resolve" links. The links open a confirmation page,
 * so a mail scanner that follows them changes nothing. Every value is escaped in the HTML.
 */
export function renderEmail(message: OutgoingMessage, links: EmailLinks): RenderedEmail {
  const subject = clip(message.title.replace(/[\r\n\t]+/g, ' ').trim() || 'Vigil notification', MAX_SUBJECT_CHARS);
  const body = clip(message.body, MAX_BODY_CHARS);
  const facts = factsOf(message);
  const actions: Array<readonly [string, string]> = [];
  if (links.acknowledgeUrl) actions.push(['Acknowledge', links.acknowledgeUrl]);
  if (links.resolveUrl) actions.push(['Resolve', links.resolveUrl]);

  const text = [
    message.title,
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    body,
    ...(actions.length > 0 ? ['', ...actions.map(([k, url]) => `${k}: ${url}`), '', 'Each link opens a page where you confirm; nothing changes until you do.'] : []),
    '',
    '-- ',
    'Sent by Vigil',
  ].join('\n');

  const button = ([k, url]: readonly [string, string]): string =>
    `<a href="${escapeHtml(url)}" style="display:inline-block;padding:10px 18px;margin:0 8px 8px 0;border-radius:4px;` +
    `background:${k === 'Resolve' ? '#2e7d32' : '#1565c0'};color:#ffffff;text-decoration:none;font-weight:bold">${escapeHtml(k)}</a>`;
  const html = [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#222;margin:0;padding:16px">',
    `<h1 style="font-size:20px;margin:0 0 12px">${escapeHtml(message.title)}</h1>`,
    '<table style="border-collapse:collapse;margin:0 0 12px">',
    ...facts.map(([k, v]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0;color:#555">${escapeHtml(k)}</th><td style="padding:2px 0">${escapeHtml(v)}</td></tr>`),
    '</table>',
    `<div style="white-space:pre-wrap;margin:0 0 16px">${escapeHtml(body)}</div>`,
    ...(actions.length > 0
      ? [`<p style="margin:0 0 8px">${actions.map(button).join('')}</p>`, '<p style="color:#777;font-size:12px">Each link opens a page where you confirm; nothing changes until you do.</p>']
      : []),
    '<p style="color:#999;font-size:12px">Sent by Vigil</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
