// The job queue and the shipped workflow plugins in the web UI, end to end: headless Chromium against a real host
// (real codex app-server, fake model) that installed the bundled plugins from plugins/dist on its first start.
// Suggest a next request, turn review notes under their turn, the jobs page (live states, cancel, retry, filters),
// and the approval supervisor deciding by a rule set in the automation panel. Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { T, artifacts, eventually, publishDocShots, repo, send, shot, signedInPage, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

/** A screenshot of one element (small files for the docs). */
async function shotOf(locator, name) {
  await locator.screenshot({ path: join(artifacts, `${name}.png`) });
}

const WORKFLOWS = ["suggest-next-request", "turn-review", "approval-supervisor"];
// Screenshots docs/web.md shows (refreshed with UPDATE_DOCS_IMAGES=1).
const DOC_SHOTS = { "21-automation": "web-automation", "22-suggestion": "web-suggestion", "23-review-note": "web-review-note", "24-jobs": "web-jobs", "25-supervisor": "web-supervisor" };

let host;
let browser;
let page;
let sessionId;
const turnsSeen = {};

const step = stepper(test, "wf-", () => page);



async function lastTurnId() {
  return page.locator("article.turn").last().getAttribute("data-turn-id");
}

async function openAutomation(ready = 3) {
  await page.getByRole("button", { name: "Automation", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Automation" });
  await dialog.waitFor();
  // Plugins and settings loaded: every switch is enabled (the plugins are installed).
  await dialog.locator('[data-plugin-state="ready"]').nth(ready - 1).waitFor();
  return dialog;
}

async function closeAutomation(dialog) {
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "hidden" });
}

async function setting(key) {
  const r = await host.api("GET", `/api/sessions/${sessionId}/settings/${key}`);
  return r.status === 200 ? r.body.value : null;
}

describe("web UI: queue and workflows", { timeout: 12 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ bundledPlugins: join(repo, "plugins", "dist"), logName: "host-workflows.log" });
    // Bundled plugins are installed in the background after the host starts.
    await eventually(
      "the bundled workflow plugins",
      async () => {
        const r = await host.api("GET", "/api/plugins");
        return r.status === 200 && WORKFLOWS.every((id) => r.body.some((p) => p.id === id && p.enabled));
      },
      2 * T,
    );
    browser = await startBrowser();
    ({ page } = await signedInPage(browser, host, { width: 1280, height: 860 }));
    const created = await host.api("POST", "/api/sessions", { cwd: host.work, title: "Workflows" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    sessionId = created.body.id;
    await page.goto(`${host.url}/chats/${sessionId}`);
    await page.locator(".conn-open").waitFor();
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    publishDocShots(DOC_SHOTS);
  });

  step("suggest next request: pending while its job runs, then a one-click fill", async () => {
    await send(page, "Add a parser for the config file");
    await waitPhase(page, "done", T);
    turnsSeen.first = await lastTurnId();
    // Record every state the suggestion line shows, however fast the job runs.
    await page.evaluate(() => {
      const seen = (window.__suggest = []);
      new MutationObserver(() => {
        const el = document.querySelector(".suggest-status");
        const btn = [...document.querySelectorAll(".composer-bar button")].find((b) => b.getAttribute("aria-busy") === "true");
        if (el) seen.push(el.dataset.state);
        if (btn) seen.push("busy");
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await page.getByRole("button", { name: "Suggest next request" }).click();
    const suggestion = page.locator("button.suggestion");
    await suggestion.waitFor({ timeout: 2 * T });
    const seen = await page.evaluate(() => [...new Set(window.__suggest)]);
    assert.ok(seen.includes("busy"), `the button showed the pending state (saw ${seen.join(",")})`);
    assert.ok(seen.some((s) => s === "queued" || s === "running" || s === "enqueuing"), `the line showed the job's state (saw ${seen.join(",")})`);
    const notes = await host.api("GET", `/api/sessions/${sessionId}/notes?kind=next-request`);
    const body = notes.body.notes.at(-1).body;
    // The fake model echoes the worker's prompt, which quotes this chat's exchange.
    assert.match(body, /config file/);
    assert.equal(await suggestion.getAttribute("aria-label"), `Use suggestion: ${body}`);
    await shotOf(page.locator("form.composer"), "22-suggestion");
    await suggestion.click();
    assert.equal(await page.locator("#composer-input").inputValue(), body);
    await page.locator("#composer-input").fill("");
    // The job the button enqueued succeeded, recorded as the web client's.
    const jobs = await host.api("GET", `/api/jobs?kind=suggest-next-request&sessionId=${sessionId}`);
    assert.equal(jobs.body.jobs[0].state, "succeeded");
    assert.equal(jobs.body.jobs[0].createdBy, "web");
    // The worker session that ran it is not a chat.
    const all = await host.api("GET", "/api/sessions?workers=true");
    assert.ok(all.body.sessions.some((s) => s.workerOf === "suggest-next-request"), "a worker session exists");
    assert.equal(await page.locator(".chat-row").count(), 1, "only the user's chat is listed");
  });

  step("turn review: switched on in the automation panel, its note appears under the turn", async () => {
    const dialog = await openAutomation();
    const sw = dialog.getByRole("switch", { name: "Turn review" });
    assert.equal(await sw.isChecked(), false);
    await sw.click();
    await eventually("the turn-review setting", async () => JSON.stringify(await setting("turn-review")) === '{"enabled":true}');
    await page.waitForFunction(() => document.querySelector('[data-workflow="turn-review"] input[role="switch"]')?.checked);
    await shotOf(dialog, "21-automation");
    await closeAutomation(dialog);
    await page.getByTestId("automation-summary").getByText(/turn review/).waitFor();

    await send(page, "add the file scenario:patch");
    const turn = page.locator("article.turn").last();
    const card = turn.locator('section.request.pending[data-kind="file_change_approval"]');
    const done = turn.and(page.locator('[data-phase="done"]'));
    await Promise.race([card.waitFor({ timeout: T }), done.waitFor({ timeout: T })]);
    if (await card.count()) await card.getByRole("button", { name: "Accept", exact: true }).click();
    await waitPhase(page, "done", T);
    const turnId = await lastTurnId();
    turnsSeen.patch = turnId;
    const note = page.locator(`article.turn[data-turn-id="${turnId}"] details.note[data-kind="turn-review"]`);
    await note.waitFor({ timeout: 2 * T });
    assert.equal(await note.getAttribute("open"), "");
    assert.match(await note.locator("summary").innerText(), /Review of turn/);
    // Markdown body: the review's "Risks" heading is rendered, not shown as "###".
    assert.ok((await note.locator(".markdown h3, .markdown h2, .markdown h4, .markdown p").count()) > 0, "the body is rendered markdown");
    await note.scrollIntoViewIfNeeded();
    await shotOf(page.locator(`article.turn[data-turn-id="${turnId}"]`), "23-review-note");
    // Collapsible.
    await note.locator("summary").click();
    assert.equal(await note.getAttribute("open"), null);
    await note.locator("summary").click();
    // After a reload it comes from GET /notes, once.
    await page.reload();
    await note.waitFor({ timeout: T });
    assert.equal(await page.locator('details.note[data-kind="turn-review"]').count(), 1);
  });

  step("jobs page: the workflows' jobs with their states; cancel and retry a delayed job", async () => {
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page.getByRole("status", { name: "Queue depth" }).waitFor();
    const row = (kind) => page.locator(`tr.job:has(button:text-is("${kind}"))`);
    await row("suggest-next-request").first().locator('[data-testid="job-state"]', { hasText: "succeeded" }).waitFor();
    await row("turn-review").first().locator('[data-testid="job-state"]', { hasText: "succeeded" }).waitFor({ timeout: 2 * T });
    // Details: the history.
    await row("turn-review").first().getByRole("button", { name: /details/ }).click();
    await page.locator(".job-detail .history li[data-to-state=succeeded]").first().waitFor();

    // A delayed job appears live, queued.
    const enq = await host.api("POST", "/api/jobs", { kind: "suggest-next-request", sessionId, delayMs: 600_000 });
    assert.equal(enq.status, 201, JSON.stringify(enq.body));
    const id = enq.body.id;
    const mine = page.locator(`tr.job[data-job-id="${id}"]`);
    await mine.locator('[data-testid="job-state"]', { hasText: "queued" }).waitFor();
    await mine.getByText(/runs in \d+ s/).waitFor();
    await page.getByRole("status", { name: "Queue depth" }).and(page.locator('[data-queued="1"]')).waitFor();
    await shot(page, "24-jobs");
    await mine.getByRole("button", { name: /^Cancel / }).click();
    await mine.getByText("Cancel answered: canceled").waitFor();
    await mine.locator('[data-testid="job-state"]', { hasText: "canceled" }).waitFor();
    assert.equal((await host.api("GET", `/api/jobs/${id}`)).body.state, "canceled");
    await mine.getByRole("button", { name: /^Retry / }).click();
    await mine.getByText("Retried: queued").waitFor();
    const retried = await host.api("GET", `/api/jobs/${id}`);
    assert.ok(["queued", "running", "succeeded"].includes(retried.body.state), retried.body.state);
    assert.ok(retried.body.history.some((h) => h.detail?.includes("canceled by web")), JSON.stringify(retried.body.history));
    // Filters: by kind, then by state.
    await page.getByLabel("Kind").selectOption("turn-review");
    // Wait for the filtered list itself: while it reloads it is empty, and "every row" holds of no rows.
    await page.waitForFunction(() => {
      const kinds = [...document.querySelectorAll("tr.job button.link")];
      return kinds.length > 0 && kinds.every((b) => b.textContent === "turn-review");
    });
    assert.equal(await page.locator("tr.job").count(), 1);
    await page.getByLabel("Kind").selectOption("");
    await page.getByLabel("State").selectOption("succeeded");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("tr.job")];
      return rows.length > 0 && rows.every((r) => r.dataset.state === "succeeded");
    });
    await page.getByLabel("State").selectOption("");
    // Let the retried job finish so the chat is quiet for the next step.
    await eventually("the retried job to end", async () => ["succeeded", "failed"].includes((await host.api("GET", `/api/jobs/${id}`)).body.state), 2 * T);
  });

  step("approval supervisor: a rule set in the panel decides the approval, named in the reason", async () => {
    await page.goto(`${host.url}/chats/${sessionId}`);
    await page.locator("article.turn").first().waitFor();
    const dialog = await openAutomation();
    const sup = dialog.locator('[data-workflow="approval-supervisor"]');
    await sup.getByRole("button", { name: "Add rule" }).click();
    await sup.getByLabel("Rule 1 command pattern").fill("echo *");
    await sup.getByLabel("Rule 1 decision").selectOption("accept");
    await sup.getByRole("switch", { name: "Approval supervisor" }).click();
    await sup.getByRole("status").getByText("Saved.").waitFor();
    assert.deepEqual(await setting("approval-supervisor"), { enabled: true, rules: [{ command: "echo *", decision: "accept" }], otherwise: "ask" });
    await closeAutomation(dialog);

    await send(page, "run it scenario:approval");
    const turn = page.locator("article.turn").last();
    const resolved = turn.locator('section.request.resolved[data-kind="command_approval"]');
    await resolved.waitFor({ timeout: T });
    await resolved.getByText("decided by plugin:approval-supervisor").waitFor();
    await resolved.getByText(/echo \*/).waitFor();
    await turn.locator('pre[aria-label="command output"]', { hasText: "approved-output" }).waitFor();
    await waitPhase(page, "done", T);
    await shotOf(resolved, "25-supervisor");
    const r = await host.api("GET", `/api/sessions/${sessionId}/requests?status=resolved`);
    const decided = r.body.find((x) => x.decidedBy === "plugin:approval-supervisor");
    assert.ok(decided, "the plugin decided");
    assert.equal(decided.decision, "accept");
    assert.match(decided.reason, /echo \*/);
  });

  step("errors in plain words: suggestions with the plugin disabled", async () => {
    const off = await host.api("POST", "/api/plugins/suggest-next-request/disable");
    assert.equal(off.status, 200);
    // With the plugin off the panel says so and the switch is disabled.
    const d = await openAutomation(2);
    const sw = d.getByRole("switch", { name: "Suggest next requests" });
    await page.waitForFunction(() => document.querySelector('[data-workflow="suggest-next-request"] input[role="switch"]')?.disabled);
    assert.equal(await sw.isDisabled(), true);
    await d.getByText(/suggest-next-request plugin is disabled/).waitFor();
    await closeAutomation(d);
    await page.getByRole("button", { name: "Suggest next request" }).click();
    await page.locator(".suggest-status[data-state=error]").getByText(/not installed or is disabled/).waitFor();
    await host.api("POST", "/api/plugins/suggest-next-request/enable");
  });
});
