import { version } from "../../package.json";

/** The CLI's version: the package version, inlined by the build. */
export const VERSION: string = version;
