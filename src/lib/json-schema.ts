import { z } from "zod";
import type { JsonValue } from "./json";

/**
 * Any value YAML, a template or a JSON body can hold: not checked further (it came from a parser),
 * typed as JSON for the code that receives it.
 */
export const jsonValue = z.unknown() as unknown as z.ZodType<JsonValue>;
