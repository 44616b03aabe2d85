// The web UI end to end: headless Chromium against a real host running the real codex app-server and the fake
// model (scenarios are chosen by a `scenario:<name>` word in the message). One host and one browser for the whole
// file; each test leaves the chat idle for the next. Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { copyFileSync, mkdirSync } from "node:fs";
import { T, artifacts, repo, send, shot, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

const DOC_SHOTS = ["02-chat", "03-approval", "04-command-output", "05-tool-input", "07-disconnected", "08-plugins", "10-settings", "11-shortcuts", "12-dark", "13-phone"];

let host;
let browser;
let context;
let page;
let sessionId;
// The websocket proxy: while `blocked`, the host is unreachable for the page's stream.
let blocked = false;
const sockets = new Set();


const step = stepper(test, "", () => page, 2 * T);

async function lastTurn() {
  return page.locator("article.turn").last();
}

async function lastReply() {
  return (await page.locator("article.turn").last().locator(".msg.assistant").last().innerText()).replace(/\s*Copy$/, "").trim();
}

async function sessionIdle() {
  for (let i = 0; i < 300; i++) {
    const r = await host.api("GET", `/api/sessions/${sessionId}?limit=1`);
    if (r.body.session.status === "idle" || r.body.session.status === "failed") return r.body.session;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error("the session did not become idle");
}

describe("web UI", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    host = await startHost();
    browser = await startBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    await context.routeWebSocket(/\/api\/stream/, (ws) => {
      if (blocked) {
        ws.close();
        return;
      }
      const server = ws.connectToServer();
      const pair = { ws, server };
      sockets.add(pair);
      ws.onClose(() => sockets.delete(pair));
    });
    page = await context.newPage();
    page.on("pageerror", (e) => console.error("page error:", e.message));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    // UPDATE_DOCS_IMAGES=1 refreshes the screenshots docs/web.md shows.
    if (process.env.UPDATE_DOCS_IMAGES) {
      const docs = join(repo, "docs", "images");
      mkdirSync(docs, { recursive: true });
      for (const name of DOC_SHOTS) copyFileSync(join(artifacts, `${name}.png`), join(docs, `web-${name.replace(/^\d+-/, "")}.png`));
    }
  });

  step("first-run login link opens the UI, connected", async () => {
    // Without the cookie the UI is refused.
    const bare = await fetch(host.url + "/");
    assert.equal(bare.status, 401);
    await page.goto(host.loginLink);
    assert.equal(new URL(page.url()).pathname, "/");
    await page.getByText("Ready —").waitFor();
    await page.locator(".conn-open").waitFor();
    await shot(page, "01-welcome");
    // The code works once.
    const again = await fetch(host.loginLink, { redirect: "manual" });
    assert.equal(again.status, 401);
  });

  step("new chat in a working directory, reply streams token by token", async () => {
    await page.getByRole("button", { name: "New chat" }).first().click();
    await page.getByRole("textbox", { name: "Working directory" }).fill(host.work);
    await page.getByLabel("Title (optional)").fill("E2E chat");
    await page.getByRole("button", { name: "Create chat" }).click();
    await page.waitForURL(/\/chats\//);
    sessionId = page.url().split("/chats/")[1];
    await page.getByRole("heading", { name: "E2E chat" }).waitFor();
    // The sidebar lists it.
    await page.locator(`.chat-row[data-session-id="${sessionId}"]`).waitFor();

    // Record every length the reply has while it streams.
    await page.evaluate(() => {
      const seen = (window.__lengths = []);
      new MutationObserver(() => {
        const el = document.querySelector("article.turn:last-of-type .msg.assistant .markdown");
        if (el) seen.push(el.textContent.length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await send(page, "scenario:deltas=40");
    await waitPhase(page, "done");
    assert.equal(await lastReply(), Array.from({ length: 40 }, (_, i) => `d${i}`).join(" "));
    const lengths = await page.evaluate(() => [...new Set(window.__lengths)]);
    assert.ok(lengths.length >= 3, `the reply grew in steps (saw lengths ${lengths.join(",")})`);

    await send(page, "hello from the browser");
    await waitPhase(page, "done");
    assert.equal(await lastReply(), "You said: hello from the browser");
    // Reasoning is collapsed by default.
    const reasoning = page.locator("article.turn").last().locator("details.reasoning");
    assert.equal(await reasoning.getAttribute("open"), null);
    await shot(page, "02-chat");
  });

  step("approve a command and see its output", async () => {
    await send(page, "run it scenario:approval");
    const card = page.locator('section.request.pending[data-kind="command_approval"]');
    await card.waitFor({ timeout: T });
    await card.getByText("echo approved-output").first().waitFor();
    await card.getByText("fake: needs approval").waitFor();
    // The sidebar badge says the chat waits.
    await page.locator(`.chat-row[data-session-id="${sessionId}"] .badge.attention`).waitFor();
    await waitPhase(page, "waiting");
    await shot(page, "03-approval");
    await card.getByRole("button", { name: "Accept", exact: true }).click();
    const turn = page.locator("article.turn").last();
    await turn.locator('section.request.resolved[data-kind="command_approval"]').getByText("decided by web").waitFor();
    await turn.locator('pre[aria-label="command output"]', { hasText: "approved-output" }).waitFor();
    await turn.locator('.exit[data-exit-code="0"]').waitFor();
    await waitPhase(page, "done");
    assert.equal(await lastReply(), "Command finished.");
    await shot(page, "04-command-output");
  });

  step("decline a command", async () => {
    await send(page, "again scenario:approval");
    const card = page.locator('section.request.pending[data-kind="command_approval"]');
    await card.waitFor({ timeout: T });
    await card.getByLabel("Note (optional)").fill("not now");
    await card.getByRole("button", { name: "Decline" }).click();
    const turn = page.locator("article.turn").last();
    await turn.locator("section.request.resolved").getByText("decline").first().waitFor();
    await turn.getByText("not now").waitFor();
    await waitPhase(page, "done");
    const r = await host.api("GET", `/api/sessions/${sessionId}/requests?status=resolved`);
    const declined = r.body.find((x) => x.decision === "decline");
    assert.ok(declined, "the host recorded the decline");
    assert.equal(declined.decidedBy, "web");
    assert.ok(!(await turn.locator('pre[aria-label="command output"]', { hasText: "approved-output" }).count()), "the declined command did not run");
  });

  step("answer a tool-input question", async () => {
    await page.getByLabel("Plan mode").check();
    await send(page, "pick scenario:user_input");
    const card = page.locator('section.request.pending[data-kind="tool_input"]');
    await card.waitFor({ timeout: T });
    await card.getByText("Pick a color").waitFor();
    await shot(page, "05-tool-input");
    await card.getByLabel(/Blue/).check();
    await card.getByRole("button", { name: "Answer" }).click();
    await waitPhase(page, "done");
    assert.match(await lastReply(), /Blue/);
    await page.getByLabel("Plan mode").uncheck();
  });

  step("interrupt a running turn", async () => {
    await send(page, "scenario:slow");
    await page.locator("article.turn").last().locator(".msg.assistant", { hasText: "s3" }).waitFor({ timeout: T });
    await page.getByRole("button", { name: "Interrupt" }).click();
    await waitPhase(page, "interrupted");
    const s = await sessionIdle();
    assert.equal(s.lastTurnStatus, "interrupted");
  });

  step("reload in the middle of a turn shows it still streaming, nothing doubled", async () => {
    await send(page, "scenario:slow");
    await page.locator("article.turn").last().locator(".msg.assistant", { hasText: "s8" }).waitFor({ timeout: T });
    await page.reload();
    await page.locator("article.turn").last().locator(".msg.assistant", { hasText: "s0" }).waitFor({ timeout: T });
    await waitPhase(page, "streaming", 5_000);
    await page.evaluate(() => {
      const seen = (window.__lengths = []);
      new MutationObserver(() => {
        const el = document.querySelector("article.turn:last-of-type .msg.assistant .markdown");
        if (el) seen.push(el.textContent.length);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await shot(page, "06-reloaded-mid-turn");
    await waitPhase(page, "done", T);
    assert.equal(await lastReply(), Array.from({ length: 100 }, (_, i) => `s${i}`).join(" "));
    const lengths = await page.evaluate(() => [...new Set(window.__lengths)]);
    assert.ok(lengths.length >= 20, `after the reload it kept streaming token by token (saw ${lengths.length} lengths)`);
  });

  step("the websocket is killed: disconnected state, reconnect, nothing missing or doubled", async () => {
    await page.locator(".conn-open").waitFor();
    const before = await page.evaluate(() => window.__cm.conn.connects);
    blocked = true;
    const banner = page.locator('.banner.disconnected[data-connection="disconnected"]');
    // Close every proxied socket (both ends); a socket opened just before `blocked` is closed on the next round.
    for (let round = 0; round < 5; round++) {
      for (const { ws, server } of [...sockets]) {
        await server.close().catch(() => undefined);
        await ws.close().catch(() => undefined);
      }
      if (await banner.waitFor({ timeout: 2_000 }).then(() => true, () => false)) break;
    }
    await banner.waitFor({ timeout: 5_000 });
    await shot(page, "07-disconnected");
    // A whole turn runs while the page is cut off.
    const sent = await host.api("POST", `/api/sessions/${sessionId}/messages`, { text: "while away scenario:deltas=60" });
    assert.equal(sent.status, 202);
    await sessionIdle();
    blocked = false;
    await page.getByRole("button", { name: "Retry now" }).click();
    await page.locator(".conn-open").waitFor({ timeout: 15_000 });
    // The turn that ran while the page was away, by its id: until its replay arrives, the last turn on the page is
    // the previous one (already done).
    const away = page.locator(`article.turn[data-turn-id="${sent.body.turnId}"]`);
    await away.and(page.locator('[data-phase="done"]')).waitFor({ timeout: 30_000 });
    const reply = (await away.locator(".msg.assistant").last().innerText()).replace(/\s*Copy$/, "").trim();
    assert.equal(reply, Array.from({ length: 60 }, (_, i) => `d${i}`).join(" "));
    const conn = await page.evaluate(() => window.__cm.conn);
    assert.ok(conn.connects > before, "it reconnected");
    // Every turn of the chat shows once.
    const turns = await page.locator("article.turn").evaluateAll((els) => els.map((e) => e.dataset.turnId));
    assert.equal(new Set(turns).size, turns.length);
    const rest = await host.api("GET", `/api/sessions/${sessionId}/transcript?limit=200`);
    assert.deepEqual(turns, rest.body.turns.map((t) => t.id));
  });

  step("install a plugin from the plugins page", async () => {
    await page.getByRole("link", { name: "Plugins" }).click();
    await page.getByRole("heading", { name: "Plugins" }).waitFor();
    const dist = join(repo, "plugins", "dist", "well-behaved");
    await page.locator('input[type="file"]').setInputFiles([join(dist, "plugin.toml"), join(dist, "plugin.wasm")]);
    await page.getByRole("button", { name: "Check package" }).click();
    const pkg = page.getByLabel("Package");
    await pkg.getByText("well-behaved 0.1.0").waitFor({ timeout: T });
    await page.getByRole("button", { name: "Install", exact: true }).click();
    await page.getByText(/Installed well-behaved 0\.1\.0/).waitFor({ timeout: T });
    await page.locator('li.plugin[data-plugin-id="well-behaved"]').waitFor();
    const r = await host.api("GET", "/api/plugins/well-behaved");
    assert.equal(r.status, 200);
    assert.equal(r.body.enabled, true);
    await shot(page, "08-plugins");
    // Disable it from the page.
    await page.getByLabel("well-behaved enabled").click();
    await page.locator('li.plugin.disabled[data-plugin-id="well-behaved"]').waitFor();
    assert.equal((await host.api("GET", "/api/plugins/well-behaved")).body.enabled, false);
  });

  step("jobs and settings pages, shortcuts overlay, dark theme, phone width", async () => {
    await page.getByRole("link", { name: "Jobs" }).click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page.waitForTimeout(300);
    await shot(page, "09-jobs");
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Account" }).waitFor();
    await shot(page, "10-settings");
    await page.goto(`${host.url}/chats/${sessionId}`);
    await page.locator("article.turn").first().waitFor();
    await page.locator("body").press("?");
    await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await shot(page, "11-shortcuts");
    await page.keyboard.press("Escape");
    await page.locator("body").press("t");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "dark");
    await shot(page, "12-dark");
    await page.setViewportSize({ width: 390, height: 800 });
    await page.waitForTimeout(200);
    await shot(page, "13-phone");
    await page.getByRole("button", { name: "Show chats" }).click();
    await page.locator(".nav-open .sidebar").waitFor();
    await shot(page, "14-phone-sidebar");
  });
});
