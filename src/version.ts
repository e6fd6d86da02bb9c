import { version } from "../package.json";

/** The service's version (package.json), embedded when the Worker is bundled. */
export const SERVICE_VERSION: string = version;
