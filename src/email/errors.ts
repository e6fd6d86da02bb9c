/**
 * Failures of email input: what a flow asked for cannot be put in a message (a malformed address, a
 * line break in a header). Never worth retrying, so every one is a non-retryable NodeError naming the
 * param it came from.
 */
import { NodeError } from "../engine/outcome";

export function invalidEmail(
  code: "invalid_address" | "header_injection" | "invalid_header" | "invalid_attachment",
  message: string,
  param: string,
) {
  return new NodeError(code, message, { param }, false);
}

/** A value that would end its header line and start another one: the way headers are injected. */
export function refuseLineBreaks(value: string, param: string, what = param): void {
  if (/[\r\n\0]/.test(value)) {
    throw invalidEmail("header_injection", `${what} contains a line break or NUL, which would start a new header; remove it`, param);
  }
}
