/**
 * `flowrunner`, the command-line client of a FlowRunner server. Built to
 * dist/cli.mjs by `npm install` (scripts/build-cli.mjs); bin/flowrunner.mjs
 * runs it. The commands are documented in docs/cli.md.
 */
import { main } from "./main";

// `flowrunner ... | head` closes the pipe early: stop quietly rather than with a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

const code = await main(process.argv.slice(2));
// Exit once output is flushed, without waiting for idle keep-alive connections to time out.
process.exitCode = code;
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
