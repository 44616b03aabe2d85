// @vitest-environment jsdom
// Component test: the automation panel disables a workflow whose plugin is missing or off (saying why), and its
// switches and rules editor PUT exactly the JSON the plugins read.
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach, describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import { AutomationDialog, useAutomation } from "../components/Automation";

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;
// jsdom has no <dialog> methods.
HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
  this.open = true;
};
HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
  this.open = false;
};

const plugin = (id: string, enabled = true) => ({ id, version: "0.1.0", enabled, disabledReason: enabled ? null : "disabled by a user" });

function Harness() {
  const a = useAutomation("s1");
  return <AutomationDialog open onClose={() => undefined} sessionId="s1" a={a} />;
}

async function render(plugins: any[], settings: any[]) {
  const puts: { url: string; body: any }[] = [];
  setFetcher(async (url, init) => {
    const u = String(url);
    if (init?.method === "PUT") {
      const body = JSON.parse(String(init.body));
      puts.push({ url: u, body });
      return new Response(JSON.stringify({ key: u.split("/").pop(), value: body, updatedAt: "now" }), { status: 200 });
    }
    if (u === "/api/plugins") return new Response(JSON.stringify(plugins), { status: 200 });
    if (u === "/api/sessions/s1/settings") return new Response(JSON.stringify(settings), { status: 200 });
    return new Response("{}", { status: 404 });
  });
  const div = document.createElement("div");
  document.body.append(div);
  await act(async () => {
    createRoot(div).render(<Harness />);
  });
  await act(async () => new Promise((r) => setTimeout(r, 10)));
  return { div, puts };
}

const sw = (div: HTMLElement, label: string) =>
  [...div.querySelectorAll<HTMLInputElement>('input[role="switch"]')].find((i) => i.closest("label")!.textContent!.includes(label))!;

afterEach(() => {
  document.body.innerHTML = "";
});

describe("automation panel", () => {
  it("disables a workflow whose plugin is missing or off, with the reason as its description", async () => {
    const { div } = await render([plugin("suggest-next-request", false)], []);
    const suggest = sw(div, "Suggest next requests");
    expect(suggest.disabled).toBe(true);
    expect(suggest.checked).toBe(true); // on by default when not set
    expect(document.getElementById(suggest.getAttribute("aria-describedby")!)!.textContent).toMatch(/suggest-next-request plugin is disabled: disabled by a user/);
    const review = sw(div, "Turn review");
    expect(review.disabled).toBe(true);
    expect(document.getElementById(review.getAttribute("aria-describedby")!)!.textContent).toMatch(/turn-review plugin is not installed/);
  });

  it("switches write {enabled} and the supervisor writes its rules", async () => {
    const { div, puts } = await render(
      [plugin("suggest-next-request"), plugin("turn-review"), plugin("approval-supervisor")],
      [{ key: "suggest-next-request", value: { enabled: false }, updatedAt: "x" }],
    );
    const suggest = sw(div, "Suggest next requests");
    expect(suggest.checked).toBe(false);
    await act(async () => sw(div, "Turn review").click());
    expect(puts.at(-1)).toEqual({ url: "/api/sessions/s1/settings/turn-review", body: { enabled: true } });
    expect(sw(div, "Turn review").checked).toBe(true);

    const addRule = [...div.querySelectorAll("button")].find((b) => b.textContent === "Add rule")!;
    await act(async () => addRule.click());
    const pattern = div.querySelector<HTMLInputElement>('input[aria-label="Rule 1 command pattern"]')!;
    // React tracks the value: set it through the native setter, then fire input.
    await act(async () => {
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(pattern, "git status*");
      pattern.dispatchEvent(new Event("input", { bubbles: true }));
    });
    await act(async () => sw(div, "Approval supervisor").click());
    expect(puts.at(-1)).toEqual({
      url: "/api/sessions/s1/settings/approval-supervisor",
      body: { enabled: true, rules: [{ command: "git status*", decision: "accept" }], otherwise: "ask" },
    });
    // Every control has an accessible name.
    for (const el of div.querySelectorAll("input, select, button")) {
      const named = el.getAttribute("aria-label") || el.closest("label")?.textContent?.trim() || el.textContent?.trim();
      expect(named, el.outerHTML).toBeTruthy();
    }
  });
});
