/**
 * The 7-bit encodings a message is written in, so that it passes any SMTP server unchanged: RFC 2047
 * encoded words for non-ASCII header text, quoted-printable for text bodies (readable, and lines that
 * start with "." stay as written, which is what SMTP's dot-stuffing is for), base64 for attachments,
 * and RFC 2231 for non-ASCII file names.
 */
import { base64Encode, utf8 } from "../lib/encoding";

export const CRLF = "\r\n";
/** RFC 2045: encoded lines are at most 76 characters. */
const LINE = 76;
/** RFC 2047: an encoded word is at most 75 characters; `=?UTF-8?B?` and `?=` take 12 of them. */
const WORD_BYTES = 45;

export const isPrintableAscii = (text: string) => /^[\x20-\x7e]*$/.test(text);

/** Text as RFC 2047 B-encoded words (UTF-8), split between characters, never inside one. */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = "";
  let size = 0;
  for (const char of text) {
    const bytes = utf8(char).byteLength;
    if (size + bytes > WORD_BYTES && chunk !== "") {
      words.push(encodeWord(chunk));
      chunk = "";
      size = 0;
    }
    chunk += char;
    size += bytes;
  }
  if (chunk !== "" || words.length === 0) words.push(encodeWord(chunk));
  return words;
}

const encodeWord = (text: string) => `=?UTF-8?B?${base64Encode(utf8(text))}?=`;

/**
 * Unstructured header text (a subject, a custom header's value): as is when it is printable ASCII,
 * folded at spaces to keep lines short; else as encoded words, one per folded line.
 * `nameLength` is the length of `Name: ` before it on the first line.
 */
export function unstructuredValue(text: string, nameLength: number): string {
  if (isPrintableAscii(text) && !/ {2}|^ | $|=\?/.test(text)) return foldAtSpaces(text, nameLength);
  return encodedWords(text).join(`${CRLF} `);
}

function foldAtSpaces(text: string, nameLength: number): string {
  const words = text.split(" ");
  let out = "";
  let lineLength = nameLength;
  for (const [index, word] of words.entries()) {
    if (index > 0) {
      if (lineLength + 1 + word.length > 78) {
        out += `${CRLF} `;
        lineLength = 1;
      } else {
        out += " ";
        lineLength += 1;
      }
    }
    out += word;
    lineLength += word.length;
  }
  return out;
}

/** A display name as an RFC 5322 phrase: an atom, a quoted string, or encoded words. */
export function phrase(name: string): string {
  if (!isPrintableAscii(name) || /=\?/.test(name)) return encodedWords(name).join(" ");
  if (/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+$/.test(name) && !/^ | $| {2}/.test(name)) return name;
  return `"${name.replace(/(["\\])/g, "\\$1")}"`;
}

/** Line breaks of any kind as CRLF. */
export const normaliseLineBreaks = (text: string) => text.replace(/\r\n|\r|\n/g, CRLF);

/** Quoted-printable (RFC 2045 §6.7) of UTF-8 text; its line breaks become hard CRLF breaks. */
export function quotedPrintable(text: string): string {
  return normaliseLineBreaks(text).split(CRLF).map(quotedPrintableLine).join(CRLF);
}

function quotedPrintableLine(line: string): string {
  const bytes = utf8(line);
  const out: string[] = [];
  let current = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    const last = i === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    // Room for the soft break's "=".
    if (current.length + token.length > LINE - 1) {
      out.push(`${current}=`);
      current = "";
    }
    current += token;
  }
  out.push(current);
  return out.join(CRLF);
}

/** Base64 in lines of 76 characters. */
export function base64Lines(bytes: Uint8Array): string {
  const text = base64Encode(bytes);
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += LINE) lines.push(text.slice(i, i + LINE));
  return lines.join(CRLF);
}

/** A MIME parameter (`filename`, `name`): quoted when ASCII, RFC 2231 `name*=UTF-8''…` when not. */
export function mimeParameter(name: string, value: string): string {
  if (isPrintableAscii(value)) return `${name}="${value.replace(/(["\\])/g, "\\$1")}"`;
  const encoded = Array.from(utf8(value), (byte) =>
    /[A-Za-z0-9!#$&+.^_`|~-]/.test(String.fromCharCode(byte))
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
  ).join("");
  return `${name}*=UTF-8''${encoded}`;
}

/** RFC 5322 date-time, in UTC: `Tue, 01 Jul 2025 10:00:00 +0000`. */
export const rfc5322Date = (ms: number) => new Date(ms).toUTCString().replace(/GMT$/, "+0000");
