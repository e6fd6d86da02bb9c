/**
 * Cloudflare Email Service as a node sees it: the Worker's `send_email` binding (named EMAIL), in its
 * structured form (https://developers.cloudflare.com/email-service/api/send-emails/workers-api/).
 * The execution object hands the binding in; under `wrangler dev` and in tests it is Miniflare's,
 * which writes each message to a local file instead of sending it.
 */
export interface EmailAddress {
  email: string;
  name: string;
}

export interface EmailBindingMessage {
  from: string | EmailAddress;
  to: (string | EmailAddress)[];
  cc?: (string | EmailAddress)[];
  bcc?: (string | EmailAddress)[];
  replyTo?: string | EmailAddress;
  subject: string;
  text?: string;
  html?: string;
  attachments?: { content: string; filename: string; type: string; disposition: "attachment" }[];
  headers?: Record<string, string>;
}

export interface EmailBinding {
  send(message: EmailBindingMessage): Promise<{ messageId: string }>;
}
