export { type CompiledExpression, type CompiledTemplate, compileTemplate } from "./compile";
export { lex, type LexResult, type Token } from "./lexer";
export { lookupPath, parsePath, type Lookup, type PathStep, type PropertyPath } from "./path";
export { MIN_SECRET_LENGTH, REDACTED, Redactor } from "./redact";
export { escapeTemplate, scanTemplate, type ScanResult, type TemplatePart } from "./scanner";
export { mergeSecretRefs, referencedSecrets, resolveSecrets, type SecretRefs, type SecretResolver } from "./secrets";
export {
  evaluateTemplates,
  interpolate,
  type TemplateError,
  type TemplateOptions,
  type TemplateResult,
  type TemplateScope,
} from "./templates";
