// @vitest-environment jsdom
// A plugin's recent calls: a failed call shows its error and, folded under it, the tail of the guest's stderr (a
// Python traceback, a panic message) that the host kept; a call without stderr shows none.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import { Calls } from "../pages/Plugins";
import { render, json } from "./dom";

describe("plugin calls", () => {
  it("show a failed call's stderr under its error", async () => {
    const traceback = 'Traceback (most recent call last):\n  File "/0/app.py", line 9, in on_event\nValueError: boom';
    const asked: string[] = [];
    setFetcher(async (url) => {
      asked.push(String(url));
      return json([
        { id: "c2", trigger: "event:session.created#4", startedAt: new Date().toISOString(), durationUs: 1500, outcome: "trap", error: "wasm trap: wasm `unreachable` instruction executed", denials: [], stderr: traceback },
        { id: "c1", trigger: "event:session.created#3", startedAt: new Date().toISOString(), durationUs: 900, outcome: "ok", error: null, denials: [], stderr: null },
      ]);
    });
    let div!: HTMLElement;
    await act(async () => {
      div = render(<Calls id="py-raiser" />);
    });
    expect(asked[0]).toContain("/api/plugins/py-raiser/calls");
    const rows = div.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[0].textContent).toContain("unreachable");
    expect(rows[0].querySelector("details.stderr pre")!.textContent).toBe(traceback);
    expect(rows[1].querySelector("details.stderr")).toBeNull();
  });
});
