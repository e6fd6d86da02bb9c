export declare const IMAP_PASSWORD: string;
export declare const IMAP_USERS: string[];
export declare const BULK_USER: string;
export declare const FIXED_IMAP_PORTS: { starttls: number; tls: number };
export declare const SEEDED_MESSAGES: [flags: string, date: string, lines: string[]][];
export declare function dovecotInstalled(): boolean;
export declare function startImapServer(options?: {
  ports?: { starttls: number; tls: number };
  bulk?: number;
}): Promise<{ ports: { starttls: number; tls: number }; close(): Promise<void> }>;
