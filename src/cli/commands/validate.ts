import type { FlowIssue, ValidationResult } from "../../flow";
import { EXIT, type Command } from "../_command";
import { c, err, out, printJson } from "../_output";
import { readInput } from "../_prompt";

/** `file:line:col: error: message [code]`, as compilers print it. */
export function formatIssue(file: string, issue: FlowIssue, severity: "error" | "warning"): string {
  const label = severity === "error" ? c.red("error", process.stderr) : c.yellow("warning", process.stderr);
  return `${file}:${issue.line}:${issue.column}: ${label}: ${issue.message} [${issue.code}]`;
}

export function printIssues(file: string, result: Pick<ValidationResult, "errors" | "warnings">): void {
  for (const issue of result.errors) err(formatIssue(file, issue, "error"));
  for (const issue of result.warnings) err(formatIssue(file, issue, "warning"));
}

export const validate: Command = {
  name: "validate",
  summary: "Check flow files offline, with the server's own validator",
  args: "<file...>",
  arity: { min: 1 },
  description: [
    "Problems are printed to stderr as `file:line:col: error: message [code]` (warnings likewise), so editors",
    "and CI can point at them. Exit code 1 when any file has an error; warnings alone do not fail.",
    "`-` reads a flow from stdin. No server or login is needed.",
  ].join("\n"),
  options: {
    name: { type: "string", value: "name", description: "Flow name to assume when metadata.name is missing (as 'flows create --name')" },
  },
  examples: [
    "flowrunner validate hello.yaml",
    "flowrunner validate examples/*.yaml",
    "cat flow.yaml | flowrunner validate -",
    "flowrunner validate flow.yaml --json | jq '.[0].errors'",
  ],
  async run(ctx) {
    const { validateFlow } = await import("../../flow");
    const reports = [];
    let failed = false;
    for (const file of ctx.args) {
      let source: string;
      try {
        source = await readInput(file);
      } catch (error) {
        err(`${file}: ${c.red("error", process.stderr)}: ${(error as Error).message.replace(/^cannot read [^:]+: /, "")}`);
        reports.push({
          file,
          valid: false,
          errors: [{ code: "unreadable", message: (error as Error).message, path: [], line: 0, column: 0 }],
          warnings: [],
        });
        failed = true;
        continue;
      }
      const name = typeof ctx.opts.name === "string" ? ctx.opts.name : undefined;
      // Offline, plugin node types cannot be known: they are warned about, not refused (the server checks them on save).
      const result = validateFlow(source, { ...(name ? { name } : {}), unknownPluginTypes: "warn" });
      const label = file === "-" ? "<stdin>" : file;
      reports.push({ file: label, valid: result.valid, errors: result.errors, warnings: result.warnings });
      failed ||= !result.valid;
      if (ctx.json) continue;
      printIssues(label, result);
      if (result.valid)
        out(
          `${label}: ${c.green("valid")}${result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length > 1 ? "s" : ""})` : ""}`,
        );
    }
    if (ctx.json) printJson(reports);
    else if (ctx.args.length > 1) {
      const bad = reports.filter((r) => !r.valid).length;
      out(bad ? c.red(`${bad} of ${reports.length} files invalid`) : c.green(`${reports.length} files valid`));
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
