// @vitest-environment jsdom
// The plugin page's settings: what is in force, where it comes from, and a change sent as typed values.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import { Settings } from "../pages/Plugins";
import { render } from "./dom";

const settings = {
  id: "judge",
  settings: { threshold: "high", max_turns: 3, notify: true },
  defaults: { threshold: "medium", max_turns: 3, notify: true },
  user: { threshold: "high" },
};

async function flush() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

function type(input: HTMLInputElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
  setter.call(input, value);
  input.dispatchEvent(new Event("input", { bubbles: true }));
}

describe("plugin settings", () => {
  it("shows each setting with its source, and saves the changed ones in their default's type", async () => {
    const calls: { url: string; init?: RequestInit }[] = [];
    setFetcher(async (url, init) => {
      calls.push({ url, init });
      if (init?.method === "PUT") {
        const body = JSON.parse(String(init.body));
        return new Response(JSON.stringify({ ...settings, settings: { ...settings.settings, ...body }, user: { ...settings.user, ...body } }), { status: 200 });
      }
      return new Response(JSON.stringify(settings), { status: 200 });
    });
    const div = render(<Settings id="judge" />);
    await flush();
    expect(calls[0].url).toBe("/api/plugins/judge/settings");
    const rows = [...div.querySelectorAll("tbody tr")].map((r) => r.textContent);
    expect(rows[2]).toContain("set by you");
    expect(rows[2]).toContain("Reset to medium");
    expect(rows[0]).toContain("default");
    const save = div.querySelector("button[type=submit]") as HTMLButtonElement;
    expect(save.disabled).toBe(true);

    await act(async () => type(div.querySelector("#setting-judge-max_turns") as HTMLInputElement, "5"));
    await act(async () => save.click());
    await flush();
    const put = calls.find((c) => c.init?.method === "PUT")!;
    expect(put.url).toBe("/api/plugins/judge/settings");
    expect(JSON.parse(String(put.init!.body))).toEqual({ max_turns: 5 });
  });

  it("a reset sends null for the key", async () => {
    const bodies: any[] = [];
    setFetcher(async (_url, init) => {
      if (init?.method === "PUT") bodies.push(JSON.parse(String(init.body)));
      return new Response(JSON.stringify(settings), { status: 200 });
    });
    const div = render(<Settings id="judge" />);
    await flush();
    const reset = [...div.querySelectorAll("button")].find((b) => b.textContent?.startsWith("Reset"))!;
    await act(async () => reset.click());
    await flush();
    expect(bodies).toEqual([{ threshold: null }]);
  });
});
