/**
 * workerd run: `GET /?case=<name>&n=<count>` runs a case n times. Clocks do not advance during
 * synchronous work in workerd, so the driver times requests from outside and subtracts the cost of
 * a no-op request.
 */
import { getSandbox } from "../../src/sandbox";
import { type CaseName, runCase } from "./cases";

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const name = (url.searchParams.get("case") ?? "noop") as CaseName;
    const n = Number(url.searchParams.get("n") ?? "1");
    try {
      await runCase(await getSandbox(), name, n);
      return new Response("ok");
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  },
};
