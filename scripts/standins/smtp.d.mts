export const SMTP_USER: string;
export const SMTP_PASSWORD: string;
export const FIXED_SMTP_PORTS: SmtpPorts;

export interface SmtpPorts {
  /** No TLS, no AUTH. */
  plain: number;
  /** STARTTLS, then AUTH (PLAIN, LOGIN, CRAM-MD5). */
  starttls: number;
  /** Implicit TLS, then AUTH (PLAIN, LOGIN). */
  tls: number;
}

export interface SmtpStandin {
  /** `http://host:port`: GET / for the ports, GET /messages?rcpt=<address> for what arrived. */
  url: string;
  host: string;
  ports: SmtpPorts;
  close(): Promise<void>;
}

/** A message the stand-in accepted, as mailparser read it. */
export interface ReceivedMessage {
  id: string;
  listener: keyof SmtpPorts;
  secure: boolean;
  auth: { username: string; method: string } | null;
  envelope: { from: string | null; to: string[] };
  message_id: string | null;
  subject: string | null;
  from: { address?: string; name: string }[];
  to: { address?: string; name: string }[];
  cc: { address?: string; name: string }[];
  reply_to: { address?: string; name: string }[];
  date: string | null;
  headers: Record<string, string>;
  text: string | null;
  html: string | null;
  attachments: { filename: string | null; content_type: string; size: number; content_base64: string }[];
  raw: string;
  longest_line: number;
}

export function startSmtpStandin(options?: { port?: number; host?: string; smtpPorts?: SmtpPorts }): Promise<SmtpStandin>;
