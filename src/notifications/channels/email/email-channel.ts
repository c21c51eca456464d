import { PermanentFailure, type Channel, type ChannelContext, type OutgoingMessage, type SendOutcome } from '../channel.ts';
import { classifySmtpError, refusedRecipientFailure } from './classify-smtp-error.ts';
import { renderEmail } from './render-email.ts';
import { closeSmtpTransports, transportFor, type MailSent } from './smtp-transport.ts';

/** The Message-ID of a delivery's email: the same on every retry, so a receiver can tell a resend from a new message. */
export function emailMessageId(deliveryId: string): string {
  return `<${deliveryId}@vigil>`;
}

/**
 * Email over SMTP (nodemailer, one pooled transport per distinct SMTP setting). The recipient
 * is the contact's address, else the user's account email; From is the configured name and
 * address; the subject is the title; the text and HTML bodies carry the facts and, for a
 * message about an incident, alert or episode, signed "Acknowledge" and "Resolve" links.
 * The Message-ID is derived from the delivery id, so a retry reuses it.
 *
 * Outcomes (PROVIDERS.md §4): accepted → Sent with nodemailer's message id and the server's
 * reply; no SMTP configured or credentials refused → Failed `NOT_CONFIGURED`; a 5xx reply or a
 * refused recipient → Failed; a 4xx reply or a connection failure → retried with backoff.
 */
export const emailChannel: Channel = {
  method: 'email',
  medium: 'EMAIL',
  contactKind: 'email',
  close: () => closeSmtpTransports(),
  async send(message: OutgoingMessage, ctx: ChannelContext): Promise<SendOutcome> {
    const smtp = ctx.providers.smtp;
    if (!smtp) throw new PermanentFailure('no SMTP server configured', 'NOT_CONFIGURED');
    const to = message.contact?.address ?? message.userEmail;
    if (!to) throw new PermanentFailure('no email address to send to', 'MISSING_RECIPIENTS');
    const mail = renderEmail(message, { acknowledgeUrl: ctx.actionUrl('acknowledge'), resolveUrl: ctx.actionUrl('resolve') });

    let info: MailSent;
    try {
      info = await transportFor(smtp, ctx.timeoutMs).sendMail({
        from: { name: smtp.fromName, address: smtp.fromEmail },
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: emailMessageId(message.deliveryId),
        date: ctx.clock.now(),
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
    } catch (err) {
      throw classifySmtpError(err);
    }
    const refused = refusedRecipientFailure(info);
    if (refused) throw refused;
    return { providerMessageId: info.messageId, providerStatus: info.response, recipient: to, fromAddress: smtp.fromEmail };
  },
};
