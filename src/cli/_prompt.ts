/**
 * Reading what must not go through argv: passwords and secret values come
 * from a hidden prompt on a terminal, or from stdin when it is piped.
 */
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { UsageError } from "./_command";

export const stdinIsTTY = (): boolean => Boolean(process.stdin.isTTY);

let stdinText: Promise<string> | undefined;

/** The whole of stdin (read once; as a stream, which also works when stdin is non-blocking). */
export function readStdin(): Promise<string> {
  stdinText ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8");
  })();
  return stdinText;
}

/** The first line of piped stdin, without its line break. */
export async function readStdinLine(): Promise<string> {
  return (await readStdin()).split(/\r?\n/)[0] ?? "";
}

/** Reads a file, or stdin for `-`. */
export async function readInput(path: string): Promise<string> {
  if (path === "-") return readStdin();
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`);
  }
}

/** Asks on the terminal; the answer is shown as it is typed (the terminal echoes it). */
export async function ask(question: string): Promise<string> {
  process.stderr.write(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const line = await new Promise<string | undefined>((resolve) => {
      rl.once("line", resolve);
      rl.once("close", () => resolve(undefined));
    });
    if (line === undefined) throw new UsageError("no answer given");
    return line.trim();
  } finally {
    rl.close();
    process.stdin.pause();
  }
}

/** Asks on the terminal without echoing what is typed. */
export function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  return new Promise((resolve) => {
    let value = "";
    const finish = (result: string | null) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (result === null) process.exit(130);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return finish(value);
        if (ch === "\u0003") return finish(null);
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/**
 * A secret from the user: a hidden prompt (asked twice when `confirm`) on a
 * terminal, else the first line of stdin.
 */
export async function readSecretLine(question: string, { confirm = false } = {}): Promise<string> {
  if (!stdinIsTTY()) return readStdinLine();
  const first = await askHidden(question);
  if (confirm) {
    const again = await askHidden("Again: ");
    if (again !== first) throw new UsageError("the two entries differ");
  }
  return first;
}
