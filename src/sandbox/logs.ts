import type { LogLine } from "./types";

export const TRUNCATION_MARKER = "… truncated";

/** UTF-8 length without allocating an encoded copy. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Cut a string to at most `maxBytes` of UTF-8, never splitting a surrogate pair. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return text;
}

/**
 * Console capture with hard caps on line count and bytes. The last line kept is always the
 * truncation marker, so a reader can tell a quiet script from a silenced one.
 */
export class LogCollector {
  readonly lines: LogLine[] = [];
  private bytes = 0;
  private full = false;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  /** Whether another line would be kept: the VM stops formatting arguments once it is full. */
  get accepting(): boolean {
    return !this.full;
  }

  /** Returns whether more lines will be accepted, so the VM can stop formatting once it is full. */
  push(level: LogLine["level"], message: string): boolean {
    if (this.full) return false;
    const size = utf8Length(message);
    if (this.lines.length + 1 >= this.maxLines || this.bytes + size > this.maxBytes) {
      const room = this.maxBytes - this.bytes;
      if (this.lines.length + 1 < this.maxLines && room > 0) {
        this.lines.push({ level, message: truncateUtf8(message, room) });
      }
      this.lines.push({ level: "warn", message: TRUNCATION_MARKER });
      this.full = true;
      return false;
    }
    this.lines.push({ level, message });
    this.bytes += size;
    return true;
  }
}
