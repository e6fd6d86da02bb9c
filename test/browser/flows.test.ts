import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, launch, newUsername, saveFlow, signedIn } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
}, 180_000);
afterAll(async () => browser?.close());

/** A flow of two nodes; `extra` lines go into its metadata. */
const twoNodes = (name: string, extra = "") => `metadata:
  name: ${name}
  description: Fetches and shapes
${extra}nodes:
  fetch:
    type: transform
    params:
      script: "return { n: 1 }"
    next:
      default: shape
  shape:
    type: transform
    params:
      script: "return { n: input.n + 1 }"
`;

/**
 * Replaces the editor's whole text by pasting it: typed line by line, the editor would indent each new
 * line itself (and Chromium's own insertText path adds style attributes the CSP reports).
 */
async function setEditorText(page: Page, text: string) {
  await page.locator(".cm-content").click();
  await page.keyboard.press("ControlOrMeta+a");
  await page.locator(".cm-content").evaluate((content, pasted) => {
    // This runs in the page; the test's own types have no DOM.
    const dom = globalThis as unknown as {
      DataTransfer: new () => { setData: (type: string, data: string) => void };
      ClipboardEvent: new (type: string, init: object) => Event;
    };
    const data = new dom.DataTransfer();
    data.setData("text/plain", pasted);
    content.dispatchEvent(new dom.ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

const editorText = (page: Page) => page.locator(".cm-content").textContent();

describe("flow pages", () => {
  it("marks a mistake at its line while the flow is written, and saves it once fixed", async () => {
    const { page, problems, context } = await signedIn(browser);
    await page.getByRole("button", { name: "Write your first flow" }).click();
    await page.waitForURL("**/flows/new");
    await page.locator(".cm-content").waitFor();
    // Line 8 names a node type that does not exist.
    const lines = [
      "metadata:",
      "  name: Greeter",
      "nodes:",
      "  hello:",
      '    params: { script: "return 1" }',
      "    next:",
      "      default: done",
    ];
    await setEditorText(
      page,
      [...lines, "    type: transfrom", "  done:", "    type: transform", '    params: { script: "return 2" }', ""].join("\n"),
    );
    const marked = page.locator(".cm-line", { has: page.locator(".cm-lintRange-error") });
    await expect.poll(() => marked.count(), { timeout: 10_000 }).toBe(1);
    expect(await marked.textContent()).toBe("    type: transfrom");
    // The gutter marker sits on the same line: its top matches the marked line's.
    const markerTop = await page
      .locator(".cm-gutter-lint .cm-lint-marker-error")
      .first()
      .evaluate((el) => el.getBoundingClientRect().top);
    const lineTop = await marked.evaluate((el) => el.getBoundingClientRect().top);
    expect(Math.abs(markerTop - lineTop)).toBeLessThan(4);
    const finding = page.getByRole("list", { name: "Findings" }).locator("li[data-severity=error]");
    await expect.poll(() => finding.first().textContent()).toContain("line 8");
    expect(await finding.first().textContent()).toContain("transfrom");
    await expect.poll(() => page.getByTestId("editor-status").textContent()).toContain("1 error");

    // Clicking the finding puts the cursor on line 8; fixing the word clears the mark.
    await finding.first().click();
    await expect.poll(() => page.locator(".cm-activeLine").textContent()).toBe("    type: transfrom");
    await page.locator(".cm-lintRange-error").dblclick();
    await page.keyboard.type("transform");
    await page.keyboard.press("Escape");
    await expect.poll(() => page.getByTestId("editor-status").textContent(), { timeout: 10_000 }).toContain("Valid");
    expect(await page.locator(".cm-lintRange-error").count()).toBe(0);
    await expect.poll(() => page.locator(".preview [data-node]").count()).toBe(2);

    await page.getByRole("button", { name: "Create flow" }).click();
    await page.waitForURL(/\/flows\/flw_[a-z0-9]+$/);
    await expect.poll(() => page.getByTestId("flow-name").textContent()).toBe("Greeter");
    await expect.poll(() => page.locator('[data-testid=flow-graph] [data-node="hello"]').count()).toBe(1);
    expect(await page.locator('[data-testid=flow-graph] [data-node="done"]').count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("saves a second version from the editor and shows what changed between the two", async () => {
    const { page, token, problems, context } = await signedIn(browser);
    const id = await saveFlow(token, twoNodes("Versioned"));
    await page.goto(`/flows/${id}/edit`);
    await page.locator(".cm-content").waitFor();
    await setEditorText(page, twoNodes("Versioned").replace("Fetches and shapes", "Fetches, shapes and counts"));
    await expect.poll(() => page.getByText("Unsaved changes").count()).toBe(1);
    // Leaving through a link asks first; saying no stays in the editor with the text.
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      void dialog.dismiss();
    });
    await page.getByRole("link", { name: "Runs" }).click();
    expect(asked).toContain("not saved");
    expect(page.url()).toContain(`/flows/${id}/edit`);
    await page.keyboard.press("ControlOrMeta+s");
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved as version 2" }).count()).toBe(1);
    expect((await api<{ version: number }>(token, `/api/v1/flows/${id}`)).version).toBe(2);

    await page.getByRole("button", { name: "View flow" }).click();
    await page.getByRole("tab", { name: "Versions" }).click();
    await page.waitForURL(`**/flows/${id}?tab=versions`);
    const diff = page.getByTestId("diff");
    await expect.poll(() => diff.textContent()).toContain("v1 → v2");
    expect(await diff.locator("tr[data-kind=removed]").allTextContents()).toEqual(["3−  description: Fetches and shapes"]);
    expect(await diff.locator("tr[data-kind=added]").allTextContents()).toEqual(["3+  description: Fetches, shapes and counts"]);
    expect(await diff.textContent()).toContain("+1−1");

    // Comparing a version with itself says so.
    await page.getByRole("radio", { name: "Compare from v2" }).check();
    await expect.poll(() => diff.textContent()).toContain("No differences");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("refuses to overwrite a change saved meanwhile, keeps the text, and saves it on request", async () => {
    const { page, token, context } = await signedIn(browser);
    const id = await saveFlow(token, twoNodes("Contested"));
    await page.goto(`/flows/${id}/edit`);
    await page.locator(".cm-content").waitFor();
    const mine = twoNodes("Contested").replace("Fetches and shapes", "My description");
    await setEditorText(page, mine);

    await api(token, `/api/v1/flows/${id}`, {
      method: "PUT",
      body: twoNodes("Contested").replace("Fetches and shapes", "Their description"),
      headers: { "Content-Type": "application/yaml" },
    });
    await page.getByRole("button", { name: "Save", exact: true }).click();
    const conflict = page.getByTestId("conflict");
    await expect.poll(() => conflict.textContent()).toContain("Version 2 was saved after you opened version 1");
    expect(await editorText(page)).toContain("My description");
    expect((await api<{ content: string }>(token, `/api/v1/flows/${id}`)).content).toContain("Their description");

    await conflict.getByRole("button", { name: "Compare with version 2" }).click();
    await expect.poll(() => conflict.locator("tr[data-kind=removed]").allTextContents()).toEqual(["3−  description: Their description"]);
    expect(await conflict.locator("tr[data-kind=added]").allTextContents()).toEqual(["3+  description: My description"]);

    await conflict.getByRole("button", { name: "Save mine as version 3" }).click();
    await expect.poll(() => page.getByRole("status").filter({ hasText: "Saved as version 3" }).count()).toBe(1);
    expect(await conflict.count()).toBe(0);
    expect((await api<{ content: string }>(token, `/api/v1/flows/${id}`)).content).toContain("My description");
    await context.close();
  });

  it("lists the flows, searches them by name and filters them by a clicked tag", async () => {
    const { page, token, context } = await signedIn(browser);
    await saveFlow(token, twoNodes("Invoice sync", "  tags: [billing, nightly]\n"));
    await saveFlow(token, twoNodes("Invoice reminder", "  tags: [billing]\n"));
    await saveFlow(token, twoNodes("Backup", "  tags: [nightly]\n"));
    await page.goto("/flows");
    const names = () => page.locator(".flows-table .flow-name a").allTextContents();
    await expect.poll(names).toEqual(["Backup", "Invoice reminder", "Invoice sync"]);
    expect(await page.locator(".flows-table tr", { hasText: "Backup" }).textContent()).toContain("v1");

    await page.getByLabel("Search").fill("invoice");
    await expect.poll(names).toEqual(["Invoice reminder", "Invoice sync"]);
    await page.waitForURL("**/flows?name=invoice");

    await page.getByLabel("Search").fill("");
    await expect.poll(names).toHaveLength(3);
    await page.locator(".flows-table tr", { hasText: "Backup" }).getByRole("button", { name: "nightly" }).click();
    await expect.poll(names).toEqual(["Backup", "Invoice sync"]);
    await page.waitForURL("**/flows?tag=nightly");
    await page.getByRole("button", { name: "Clear filters" }).click();
    await expect.poll(names).toHaveLength(3);

    await page.getByRole("link", { name: "Invoice sync" }).click();
    await page.waitForURL(/\/flows\/flw_/);
    await expect.poll(() => page.getByTestId("flow-name").textContent()).toBe("Invoice sync");
    await context.close();
  });

  it("shows a name holding markup as text, in the list and on the flow's page", async () => {
    const { page, token, problems, context } = await signedIn(browser, newUsername("markup"));
    const name = "<img src=x onerror=alert(1)>";
    const id = await saveFlow(token, twoNodes(JSON.stringify(name)));
    let alerted = false;
    page.on("dialog", (dialog) => {
      alerted = true;
      void dialog.dismiss();
    });
    await page.goto("/flows");
    await expect.poll(() => page.locator(".flows-table .flow-name a").textContent()).toBe(name);
    await page.goto(`/flows/${id}?tab=yaml`);
    await expect.poll(() => page.getByTestId("flow-name").textContent()).toBe(name);
    expect(await page.getByLabel("YAML source").textContent()).toContain(name);
    expect(await page.locator("img[src=x]").count()).toBe(0);
    expect(alerted).toBe(false);

    // Deleting asks in a dialog that names the flow, then goes back to the list.
    await page.getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("dialog", { name: "Delete this flow?" });
    expect(await confirm.textContent()).toContain(name);
    await confirm.getByRole("button", { name: "Delete flow" }).click();
    await page.waitForURL(/\/flows$/);
    await expect.poll(() => page.getByText("No flows yet").count()).toBe(1);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("refuses input that is not JSON, then runs the flow with valid input and opens the run", async () => {
    const { page, token, context } = await signedIn(browser);
    const id = await saveFlow(token, twoNodes("Runnable"));
    await page.goto(`/flows/${id}`);
    // The switch turns the flow's triggers off and on; a run started by hand works either way.
    const enabled = page.getByRole("switch");
    await enabled.click();
    await expect.poll(() => page.locator(".switch").textContent()).toBe("Disabled");
    expect((await api<{ enabled: boolean }>(token, `/api/v1/flows/${id}`)).enabled).toBe(false);
    await page.getByRole("button", { name: "Run", exact: true }).click();
    const dialog = page.getByRole("dialog", { name: "Run Runnable" });
    const input = dialog.getByLabel("Input (JSON)");
    await input.fill('{\n  "n": 1,\n  "m": }');
    await expect.poll(() => dialog.locator(".parse-error").textContent()).toContain("line 3, column 8");
    expect(await dialog.getByRole("button", { name: "Run" }).isDisabled()).toBe(true);

    await input.fill('{"n": 41}');
    expect(await dialog.locator(".parse-error").count()).toBe(0);
    await dialog.getByRole("button", { name: "Run" }).click();
    await page.waitForURL(/\/runs\/exe_[a-z0-9]+$/);
    const runId = page.url().split("/").pop()!;
    const run = await api<{ flow_id: string; input: unknown }>(token, `/api/v1/executions/${runId}`);
    expect(run).toMatchObject({ flow_id: id, input: { n: 41 } });
    await context.close();
  });
});
