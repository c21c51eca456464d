import type { FastifyRequest } from 'fastify';
import twilio from 'twilio';
import { badRequest, forbidden } from '../../../errors.ts';
import type { TwilioSettings } from '../../providers/settings.ts';
import type { InboundDeps } from '../channel.ts';
import type { TwilioParams } from './form-body.ts';

/**
 * A request's `X-Twilio-Signature` and the URL Twilio signed (Vigil's public URL, then the
 * path and query as received). 400 when the header is missing.
 */
export function signatureOf(req: FastifyRequest, publicUrl: string): { signature: string; url: string } {
  const header = req.headers['x-twilio-signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  if (!signature) throw badRequest('X-Twilio-Signature: is missing');
  return { signature, url: `${publicUrl}${req.url}` };
}

/** Whether `params` at `url` were signed with `authToken` (twilio-node's `validateRequest`). Never throws. */
export function signedWith(authToken: string, signed: { signature: string; url: string }, params: TwilioParams): boolean {
  try {
    return twilio.validateRequest(authToken, signed.signature, signed.url, params);
  } catch {
    return false;
  }
}

/** Which accounts signed a request: the projects whose Twilio token verifies it, and whether the installation's does. */
export interface SignedBy {
  /** Projects whose own (or inherited) Twilio account signed it, with that account. */
  readonly projects: ReadonlyMap<string, TwilioSettings>;
  /** The installation's default Twilio account signed it. */
  readonly installation: TwilioSettings | null;
}

/**
 * Checks a request's signature against the Twilio account of each candidate project (its
 * own, else the installation's) and the installation's own. 403 when none verifies it, with
 * nothing changed.
 */
export async function requireSignedBy(
  deps: InboundDeps,
  signed: { signature: string; url: string },
  params: TwilioParams,
  projectIds: readonly string[],
): Promise<SignedBy> {
  const projects = new Map<string, TwilioSettings>();
  for (const projectId of new Set(projectIds)) {
    const account = (await deps.providersFor(projectId)).twilio;
    if (account && signedWith(account.authToken, signed, params)) projects.set(projectId, account);
  }
  const fallback = deps.defaults.twilio;
  const installation = fallback && signedWith(fallback.authToken, signed, params) ? fallback : null;
  if (projects.size === 0 && !installation) throw forbidden('X-Twilio-Signature: does not match the request');
  return { projects, installation };
}
