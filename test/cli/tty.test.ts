import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { bin, json, User } from "./helpers";

// A real terminal through util-linux `script`: prompts, hidden input, the progress indicator.
const script = ["/usr/bin/script", "/bin/script"].find((p) => existsSync(p));
const user = new User("cli-tty");

interface Step {
  /** Wait for this in the terminal output... */
  when: RegExp;
  /** ...then type this. */
  type: string;
}

/** Runs `flowrunner <args>` on a pseudo-terminal, typing answers when prompts appear. */
function onTerminal(
  args: string[],
  steps: Step[],
  { env = {} as Record<string, string> } = {},
): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const child = spawn(script!, ["-qfec", command, "/dev/null"], {
    cwd: user.home,
    // An interactive terminal, as a person has it: CI=true (set in CI runs) turns the spinner off.
    env: user.env({ CI: undefined, ...env }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  let next = 0;
  child.stdout.on("data", (d: Buffer) => {
    screen += d.toString();
    const step = steps[next];
    if (step && step.when.test(screen)) {
      next++;
      setTimeout(() => child.stdin.write(step.type), 50);
    }
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, screen })));
}

describe.runIf(script)("on a terminal", () => {
  beforeAll(() => user.login());

  it("asks for a secret's value without echoing it", async () => {
    const r = await onTerminal(["secrets", "set", "TTY_KEY"], [{ when: /Value: $/, type: "typed-on-tty-123\r" }]);
    expect(r.code).toBe(0);
    expect(r.screen).toBe("Value: \r\nCreated secret TTY_KEY (plain)\r\n");
    const list = json<{ secrets: { key: string }[] }>((await user.run(["secrets", "list", "--json"])).stdout);
    expect(list.secrets.map((s) => s.key)).toContain("TTY_KEY");
  });

  it("prompts for the username and a hidden password at login", async () => {
    const r = await onTerminal(
      ["login", "--url", user.url, "--profile", "tty"],
      [
        { when: /Username: $/, type: "cli-tty\r" },
        { when: /Password: $/, type: "correct horse battery\r" },
      ],
    );
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/^Username: cli-tty\r\nPassword: \r\nLogged in to http:\/\/127\.0\.0\.1:\d+ as cli-tty \(profile 'tty'/);
    expect(r.screen).not.toContain("correct horse");
  });

  it("shows a progress indicator and step glyphs while following", async () => {
    const flow = user.file(
      "wait.yaml",
      "metadata: {name: TTY wait}\nnodes:\n  pause: {type: delay, params: {duration: 1500ms}, next: {default: done}}\n  done: {type: transform, params: {script: 'return 1'}}\n",
    );
    expect((await user.run(["flows", "create", flow])).code).toBe(0);
    const r = await onTerminal(["run", "TTY wait", "--follow"], []);
    expect(r.code).toBe(0);
    expect(r.screen).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] pause waiting \(until \S+\) · 0 steps · \d/);
    expect(r.screen).toMatch(/✓ pause +completed +1\.\d+s +→ default/);
    expect(r.screen).toMatch(/✓ done +completed/);
    expect(r.screen).toMatch(/completed in \S+ \(2 steps\)\r\n1\r\n$/);
  });
});
