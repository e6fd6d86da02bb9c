/**
 * Mailboxes as flows write them: `ada@example.com`, `Ada Lovelace <ada@example.com>`,
 * `"Lovelace, Ada" <ada@example.com>`, `Zoë <zoe@example.com>`, one per list item or several in one
 * string separated by commas. Display names may be any Unicode text (encoded per RFC 2047 when the
 * header is written); the address itself must be ASCII, since sending a UTF-8 address needs SMTPUTF8
 * end to end, which most relays do not offer.
 */
import { invalidEmail, refuseLineBreaks } from "./errors";

export interface Mailbox {
  /** Display name, as written (unquoted, unescaped); absent when none was given. */
  name?: string;
  /** `local@domain`, ASCII. */
  address: string;
}

// RFC 5321 limits: 64 octets of local part, 254 for the whole path.
const MAX_LOCAL = 64;
const MAX_ADDRESS = 254;
/** dot-atom local part or a quoted string without controls; a dotted domain of LDH labels, or an address literal. */
const LOCAL =
  /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*")$/;
const DOMAIN = /^(?:(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$/;

/** Whether `address` is a plain `local@domain` this module would accept. */
export function isAddress(address: string): boolean {
  const at = address.lastIndexOf("@");
  if (at <= 0 || address.length > MAX_ADDRESS) return false;
  const local = address.slice(0, at);
  return local.length <= MAX_LOCAL && LOCAL.test(local) && DOMAIN.test(address.slice(at + 1));
}

/** One mailbox. `param` names the flow's param in errors (`to`, `cc[2]`). */
export function parseMailbox(text: string, param: string): Mailbox {
  refuseLineBreaks(text, param);
  const trimmed = text.trim();
  const angle = /^(.*)<([^<>]*)>$/s.exec(trimmed);
  const address = (angle ? angle[2]! : trimmed).trim();
  if (!isAddress(address)) {
    throw invalidEmail(
      "invalid_address",
      /[^\x20-\x7e]/.test(address)
        ? `${param}: '${address}' has characters outside ASCII; only the display name may (SMTPUTF8 addresses are not supported)`
        : `${param}: '${address}' is not an email address (expected name@domain, optionally as "Name <name@domain>")`,
      param,
    );
  }
  const name = angle ? unquote(angle[1]!.trim()) : "";
  return name === "" ? { address } : { name, address };
}

/** A recipient param: a string (possibly several addresses separated by commas) or a list of them. */
export function parseMailboxList(value: string | readonly string[] | undefined, param: string): Mailbox[] {
  if (value === undefined) return [];
  const items = typeof value === "string" ? [value] : value;
  const out: Mailbox[] = [];
  items.forEach((item, index) => {
    const where = typeof value === "string" ? param : `${param}[${index}]`;
    for (const part of splitList(item)) out.push(parseMailbox(part, where));
  });
  return out;
}

/** The domain part, lower-cased: where a Message-ID's right-hand side comes from. */
export const domainOf = (mailbox: Mailbox) => mailbox.address.slice(mailbox.address.lastIndexOf("@") + 1).toLowerCase();

/** `Name <address>` for logs and JSON outputs (not for a header: see formatMailboxHeader in mime.ts). */
export const displayMailbox = (mailbox: Mailbox) => (mailbox.name === undefined ? mailbox.address : `${mailbox.name} <${mailbox.address}>`);

/** Commas outside quotes and angle brackets separate mailboxes; empty parts are skipped. */
function splitList(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  let angled = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && quoted) {
      current += c + (text[++i] ?? "");
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (c === "<" && !quoted) angled = true;
    else if (c === ">" && !quoted) angled = false;
    if (c === "," && !quoted && !angled) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== "");
}

function unquote(name: string): string {
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) return name.slice(1, -1).replace(/\\(.)/g, "$1");
  return name;
}
