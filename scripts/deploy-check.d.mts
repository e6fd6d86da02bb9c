export interface Site {
  line: number;
  module: string;
}
export function scanBundle(text: string): {
  codegen: (Site & { code: string })[];
  builtins: (Site & { specifier: string })[];
};
export const SIZE_LIMITS: { free: number; paid: number; uncompressed: number };
