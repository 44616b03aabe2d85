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

function typeArea(area: HTMLTextAreaElement, value: string) {
  const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!;
  setter.call(area, value);
  area.dispatchEvent(new Event("input", { bubbles: true }));
}

/** A settings endpoint that keeps what is PUT (null resets), as the host does. */
function host(initial: { id: string; defaults: Record<string, unknown>; user?: Record<string, unknown> }) {
  const bodies: any[] = [];
  let user: Record<string, unknown> = { ...(initial.user ?? {}) };
  const answer = () => ({ id: initial.id, defaults: initial.defaults, user, settings: { ...initial.defaults, ...user } });
  setFetcher(async (_url, init) => {
    if (init?.method === "PUT") {
      const body = JSON.parse(String(init.body));
      bodies.push(body);
      user = Object.fromEntries(Object.entries({ ...user, ...body }).filter(([, v]) => v !== null));
    }
    return new Response(JSON.stringify(answer()), { status: 200 });
  });
  return bodies;
}

// The notifier's own [settings] (plugins/notifier/plugin.toml).
const NOTIFIER_DEFAULTS = {
  web_url: "http://127.0.0.1:8787",
  grace_ms: 60000,
  on_pending: true,
  on_turn_failed: true,
  on_routine: true,
  ntfy: { url: "" },
  webhook: { url: "" },
  slack: { url: "" },
};

describe("object-valued settings", () => {
  it("edits the notifier's targets as fields of their own and sends each as an object", async () => {
    const bodies = host({ id: "notifier", defaults: NOTIFIER_DEFAULTS });
    const div = render(<Settings id="notifier" />);
    await flush();
    for (const target of ["ntfy", "webhook", "slack"]) {
      const url = div.querySelector(`#setting-notifier-${target}-url`) as HTMLInputElement;
      expect(url, `${target}'s url field`).not.toBeNull();
      expect(url.tagName).toBe("INPUT");
      expect(url.value).toBe("");
    }
    await act(async () => type(div.querySelector("#setting-notifier-ntfy-url") as HTMLInputElement, "https://ntfy.sh/my-topic"));
    await act(async () => type(div.querySelector("#setting-notifier-slack-url") as HTMLInputElement, "https://hooks.slack.com/services/T/B/x"));
    await act(async () => type(div.querySelector("#setting-notifier-grace_ms") as HTMLInputElement, "5000"));
    const save = div.querySelector("button[type=submit]") as HTMLButtonElement;
    await act(async () => save.click());
    await flush();
    expect(bodies).toEqual([{ grace_ms: 5000, ntfy: { url: "https://ntfy.sh/my-topic" }, slack: { url: "https://hooks.slack.com/services/T/B/x" } }]);
    // What the host answered is shown: set by you, with a reset to the default object.
    const row = [...div.querySelectorAll("tbody tr")].find((r) => r.querySelector("th")?.textContent === "ntfy")!;
    expect(row.textContent).toContain("set by you");
    expect(row.textContent).toContain('Reset to {"url":""}');
    expect((div.querySelector("#setting-notifier-ntfy-url") as HTMLInputElement).value).toBe("https://ntfy.sh/my-topic");
  });

  it("edits an array or a nested object as JSON in a text area, refusing what is not valid with a clear error", async () => {
    const rules = [{ pattern: "rm *", action: "decline" }];
    const bodies = host({ id: "judge", defaults: { rules, limits: { max: { turns: 3 } }, max_turns: 3 } });
    const div = render(<Settings id="judge" />);
    await flush();
    const area = div.querySelector("#setting-judge-rules") as HTMLTextAreaElement;
    expect(area.tagName).toBe("TEXTAREA");
    expect(JSON.parse(area.value)).toEqual(rules);
    expect((div.querySelector("#setting-judge-limits") as HTMLElement).tagName).toBe("TEXTAREA");
    const save = div.querySelector("button[type=submit]") as HTMLButtonElement;

    await act(async () => typeArea(area, '[{"pattern": "ls *", "action": '));
    expect(div.querySelector("[role=alert]")?.textContent).toMatch(/^rules: not valid JSON/);
    expect(area.getAttribute("aria-invalid")).toBe("true");
    expect(save.disabled).toBe(true);
    await act(async () => typeArea(area, '{"pattern": "ls *"}'));
    expect(div.querySelector("[role=alert]")?.textContent).toBe("rules: must be a JSON array ([…])");
    expect(save.disabled).toBe(true);
    await act(async () => type(div.querySelector("#setting-judge-max_turns") as HTMLInputElement, "three"));
    expect([...div.querySelectorAll("[role=alert]")].map((a) => a.textContent)).toContain("max_turns: must be a number");
    await act(async () => type(div.querySelector("#setting-judge-max_turns") as HTMLInputElement, "4"));

    await act(async () => typeArea(area, '[{"pattern": "ls *", "action": "accept"}]'));
    expect(div.querySelector("[role=alert]")).toBeNull();
    expect(save.disabled).toBe(false);
    await act(async () => save.click());
    await flush();
    expect(bodies).toEqual([{ rules: [{ pattern: "ls *", action: "accept" }], max_turns: 4 }]);
  });
});
