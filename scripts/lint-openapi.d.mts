/** The problems of an API document (redocly's recommended rules and the operation checks); none when it is clean. */
export function lintDocument(document: Record<string, unknown>): string[];
