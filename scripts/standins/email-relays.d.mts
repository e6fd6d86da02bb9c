/** The credentials each relay stand-in accepts. */
export const RELAY_KEYS: {
  resend: string;
  sendgrid: string;
  mailgun: string;
  postmark: string;
  ses: { accessKeyId: string; secretAccessKey: string };
};

export interface EmailRelaysStandin {
  /** `http://host:port`: each provider under `/<provider>`, what was accepted at `/_standin/messages?rcpt=`. */
  url: string;
  close(): Promise<void>;
}

export function startEmailRelaysStandin(options?: { port?: number; host?: string }): Promise<EmailRelaysStandin>;
