// @vitest-environment jsdom
// Component tests: the request cards render what app-server offers, and answering posts the right body.
import { act } from "react";
import { describe, expect, it } from "vitest";
import { setFetcher } from "../api/client";
import type { PendingRequest } from "../api/types";
import { RequestCard } from "../components/Prompts";
import { store } from "../lib/store";
import { events, ev } from "./helpers";
import { render } from "./dom";



const approval = events.find((e) => e.type === "approval.requested" && e.data.kind === "command_approval")!.data as PendingRequest;
const toolInput = events.find((e) => e.type === "tool_input.requested")!.data as PendingRequest;


describe("request cards", () => {
  it("an approval shows the command, the reason and every decision offered, plus decline", async () => {
    const div = render(<RequestCard req={approval} />);
    expect(div.textContent).toContain("echo approved-output");
    expect(div.textContent).toContain("fake: needs approval");
    const labels = [...div.querySelectorAll("button")].map((b) => b.textContent);
    expect(labels).toEqual(["Accept", "Always allow echo approved-output", "Decline", "Cancel turn"]);

    const posted: any[] = [];
    setFetcher(async (url, init) => {
      posted.push({ url, init });
      return new Response(JSON.stringify({ ...approval, status: "resolved", decision: "decline", decidedBy: "web" }), { status: 200 });
    });
    await act(async () => (div.querySelectorAll("button")[2] as HTMLButtonElement).click());
    expect(posted[0].url).toBe(`/api/sessions/${approval.sessionId}/requests/${approval.id}/response`);
    expect(JSON.parse(posted[0].init.body)).toEqual({ decision: "decline" });
    expect(posted[0].init.headers["X-Codex-Manager-Client"]).toBe("web");
  });

  it("a failed answer shows the API's code and message", async () => {
    const div = render(<RequestCard req={approval} />);
    setFetcher(async () => new Response(JSON.stringify({ error: { code: "request_already_resolved", message: "another answer won", details: null } }), { status: 409 }));
    await act(async () => (div.querySelector("button") as HTMLButtonElement).click());
    expect(div.querySelector("[role=alert]")!.textContent).toBe("request_already_resolved: another answer won");
  });

  it("an assessment shows beside the decision buttons: the risk as a coloured label, the summary, the rationale on demand", () => {
    const assessment = {
      risk: "high" as const,
      summary: "Deletes the build directory",
      rationale: "`rm -rf` of **build/**",
      assessor: "rules",
      assessedBy: "plugin:approval-supervisor",
      at: "2026-01-01T10:00:00Z",
    };
    const div = render(<RequestCard req={{ ...approval, assessment }} />);
    const shown = div.querySelector("[aria-label=Assessment]")!;
    expect(shown.getAttribute("data-risk")).toBe("high");
    expect(shown.querySelector(".badge.risk-high")!.textContent).toBe("high risk");
    expect(shown.textContent).toContain("Deletes the build directory");
    expect(shown.textContent).toContain("rules (plugin:approval-supervisor)");
    expect(shown.querySelector("details strong")!.textContent).toBe("build/");
    // It sits with the decisions, which stay the user's.
    expect(shown.nextElementSibling!.className).toBe("decide");
    expect(div.querySelectorAll("[role=group] button").length).toBe(4);
    expect(render(<RequestCard req={approval} />).querySelector("[aria-label=Assessment]")).toBeNull();
  });

  it("a resolved approval says what was decided and by whom", () => {
    const div = render(<RequestCard req={{ ...approval, status: "resolved", decision: "accept", decidedBy: "cli", resolvedAt: "2026-01-01T10:00:00Z" }} />);
    expect(div.querySelector("[data-outcome=resolved]")!.textContent).toMatch(/accept, decided by cli/);
    expect(div.querySelectorAll("button")).toHaveLength(0);
  });

  it("tool input offers the question's options as choices, and secret questions are masked", () => {
    const div = render(<RequestCard req={toolInput} />);
    expect(div.textContent).toContain("Pick a color");
    const radios = [...div.querySelectorAll("input[type=radio]")].map((r) => (r as HTMLInputElement).value);
    expect(radios.slice(0, 2)).toEqual(["Red", "Blue"]);
    const secret = { ...toolInput, params: { ...toolInput.params, questions: [{ id: "k", header: "Key", question: "API key?", isSecret: true, options: null }] } };
    const div2 = render(<RequestCard req={secret} />);
    expect(div2.querySelector("input[type=password]")).toBeTruthy();
  });
});

describe("a live assessment", () => {
  it("approval.assessed puts the host's assessment on the pending request, and never reopens an answered one", () => {
    // A request of its own: the cards above answered the fixture's through the store.
    const asked = { ...approval, id: "assessed-live" };
    const sid = asked.sessionId!;
    const assessment = {
      risk: "high" as const,
      summary: "Prints a word",
      rationale: "scripted",
      assessor: "fake-model",
      assessedBy: "plugin:approval-supervisor",
      at: "2026-01-01T10:00:01Z",
    };
    store.handleEvent(ev(1, "approval.requested", asked, asked.turnId, sid));
    expect(store.pendingFor(sid).find((r) => r.id === asked.id)!.assessment ?? null).toBeNull();
    store.handleEvent(ev(2, "approval.assessed", { ...asked, assessment }, asked.turnId, sid));
    expect(store.pendingFor(sid).find((r) => r.id === asked.id)!.assessment).toEqual(assessment);

    store.handleEvent(ev(3, "approval.resolved", { ...asked, assessment, status: "resolved", decision: "accept", decidedBy: "web" }, asked.turnId, sid));
    // A stale copy (a re-read, a replay) of the pending, assessed request does not undo the answer.
    store.handleEvent(ev(4, "approval.assessed", { ...asked, assessment }, asked.turnId, sid));
    const after = store.requestsFor(sid).find((r) => r.id === asked.id)!;
    expect(after.status).toBe("resolved");
    expect(after.assessment).toEqual(assessment);
  });
});
