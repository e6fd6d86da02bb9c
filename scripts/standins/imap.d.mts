export declare const IMAP_PASSWORD: string;
export declare const IMAP_USERS: string[];
export declare const SEEDED_MESSAGES: [flags: string, date: string, lines: string[]][];
export declare function dovecotInstalled(): boolean;
export declare function startImapServer(): Promise<{ ports: { starttls: number; tls: number }; close(): Promise<void> }>;
