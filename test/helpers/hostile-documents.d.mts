/** Types of hostile-documents.mjs. */
export declare const VALID_FLOW: string;
export declare const CIRCULAR: string[];
export declare function aliasFlood(count: number): string;
export declare function laughs(levels: number, width: number): string;
export declare function deepYaml(kind: "flow" | "block" | "compact" | "explicit", depth: number): string;
export declare function manyNodes(count: number, idPrefix?: string): string;
export declare function danglingEdges(count: number, idLength: number): string;
export declare function duplicateKeys(count: number): string;
export declare function deepJson(depth: number, object?: boolean): string;
