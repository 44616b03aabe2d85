// Issue 14's "first hour" in the browser: the sign-in page, the page follows a host restart, chats open at the newest turn, the
// new-chat form needs no typed path, approvals sit in place and answer from the keyboard, the tab title counts what
// waits. Real host, real codex app-server, fake model (scenarios by a `scenario:<name>` word in the message).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { T, artifacts, publishDocShots, send, shot, signedInPage, sleep, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

// Screenshots docs/web.md shows (refreshed with UPDATE_DOCS_IMAGES=1): artifact name -> docs/images name.
const DOC_SHOTS = { "first-hour-new-chat": "web-new-chat", "first-hour-approval-keys": "web-approval-keys" };

let host;
let browser;
let page;

const step = stepper(test, "first-hour-", () => page);


async function createChat(title, cwd = host.work) {
  const r = await host.api("POST", "/api/sessions", { cwd, title });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function waitIdle(id) {
  for (let i = 0; i < 600; i++) {
    const r = await host.api("GET", `/api/sessions/${id}?limit=1`);
    if (r.status === 200 && !r.body.session.activeTurnId && ["idle", "failed"].includes(r.body.session.status)) return r.body.session;
    await sleep(100);
  }
  throw new Error(`session ${id} did not become idle`);
}

/** Run one turn through the API and wait for its end. */
async function turn(id, text) {
  const r = await host.api("POST", `/api/sessions/${id}/messages`, { text });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await waitIdle(id);
  return r.body.turnId;
}

/** How far the transcript is from its bottom, in pixels. */
function distanceFromBottom() {
  return page.locator(".transcript").evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
}

describe("the first hour", { timeout: 15 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ logName: "first-hour-host.log" });
    browser = await startBrowser();
    ({ page } = await signedInPage(browser, host));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    publishDocShots(DOC_SHOTS);
  });

  step("a browser without the cookie, and a spent login link, get the sign-in page naming the fix", async () => {
    const fresh = await browser.newContext();
    try {
      const signedOut = await fresh.newPage();
      const first = await signedOut.goto(host.url);
      assert.equal(first.status(), 401);
      await signedOut.getByRole("heading", { name: "Sign in to Codex Manager" }).waitFor();
      await signedOut.getByText("This browser is not signed in to this host.").waitFor();
      await signedOut.getByText("codex-manager login-link").waitFor();
      // The main page's link was redeemed in `before`: opening it again is a spent link.
      const spent = await signedOut.goto(host.loginLink);
      assert.equal(spent.status(), 401);
      await signedOut.getByText("This sign-in link was already used or has expired.").waitFor();
      // A fresh link signs this browser in and opens the UI.
      const link = await host.api("POST", "/api/login-links", {});
      await signedOut.goto(link.body.url);
      await signedOut.locator(".conn-open").waitFor();
    } finally {
      await fresh.close();
    }
  });

  step("a host restart under an open page: the page re-reads and matches the API, no stale error", async () => {
    const other = await createChat("Other chat");
    const id = await createChat("Restart me");
    // Another chat waits for an approval when the host goes away.
    assert.equal((await host.api("POST", `/api/sessions/${other}/messages`, { text: "run it scenario:approval" })).status, 202);
    for (let i = 0; (await host.api("GET", `/api/sessions/${other}/requests?status=pending`)).body.length === 0; i++) {
      if (i > 300) assert.fail("no approval came");
      await sleep(100);
    }
    await page.goto(`${host.url}/chats/${id}`);
    await page.getByRole("heading", { name: "Restart me" }).waitFor();
    // A turn streams when the host goes away.
    await send(page, "scenario:slow");
    await page.locator("article.turn").last().locator(".msg.assistant", { hasText: "s3" }).waitFor({ timeout: T });
    await waitPhase(page, "streaming");
    const connects = await page.evaluate(() => window.__cm.conn.connects);
    // The host dies (nothing said on the way out) and comes back a few seconds later on the same data dir and port.
    // While it is away, reads fail as they would for a user: the chat list's refresh (the issue's red
    // `network_error` in the sidebar) and opening a chat.
    const back = host.restart({ crash: true, down: 4_000 });
    await page.locator('.banner.disconnected').waitFor({ timeout: T });
    await page.evaluate(() => window.__cm.refreshSessions());
    await page.locator(".sidebar .error").waitFor();
    await page.locator(`.chat-row[data-session-id="${other}"] a`).click();
    await page.getByText("Could not load this chat").waitFor();
    await page.locator(`.chat-row[data-session-id="${id}"] a`).click();
    await page.getByText("Could not load this chat").waitFor();
    await back;
    await page.waitForFunction((n) => window.__cm.conn.connects > n && window.__cm.conn.status === "open", connects, { timeout: T });

    // The page converges to what the API says (bounded wait, no timing assumption beyond it).
    const api = async () => (await host.api("GET", "/api/sessions?limit=500")).body.sessions.filter((s) => !s.workerOf);
    let last = "";
    for (let i = 0; ; i++) {
      const sessions = await api();
      const shown = await page.evaluate(() => {
        const rows = [...document.querySelectorAll(".sidebar .chat-row")].map((r) => ({
          id: r.dataset.sessionId,
          status: r.querySelector(".badge[data-status]")?.dataset.status ?? "idle",
        }));
        const head = document.querySelector(".chat-head .badge[data-status]")?.dataset.status ?? null;
        const phase = [...document.querySelectorAll("article.turn")].at(-1)?.dataset.phase ?? null;
        // A turn's own outcome (`.turn-error`: why the restart ended it) is the host's record, not a stale error.
        const errors = [...document.querySelectorAll(".sidebar .error, .banner, .chat .error:not(.turn-error)")].map((e) => e.textContent);
        return { rows, head, phase, errors, title: document.title };
      });
      const want = sessions.map((s) => ({ id: s.id, status: s.status }));
      const mine = sessions.find((s) => s.id === id);
      // What waits, as the host has it after its restart (the title counts it).
      const pending = (await host.api("GET", "/api/requests?status=pending&limit=500")).body.filter((r) => sessions.some((s) => s.id === r.sessionId)).length;
      const title = `${pending ? `(${pending}) ` : ""}Restart me · Codex Manager`;
      const ok =
        JSON.stringify(shown.rows) === JSON.stringify(want) &&
        shown.head === mine.status &&
        shown.errors.length === 0 &&
        shown.phase !== "streaming" &&
        shown.phase !== "sending" &&
        shown.title === title;
      last = JSON.stringify({ shown, want: { rows: want, head: mine.status, title } });
      if (ok) break;
      if (i > 150) assert.fail(`the page did not match the API after the restart: ${last}`);
      await sleep(100);
    }
    // The turn the restart cut shows as the host recorded it.
    const rest = await host.api("GET", `/api/sessions/${id}/transcript?limit=5`);
    const cut = rest.body.turns[0];
    const phase = await page.locator(`article.turn[data-turn-id="${cut.id}"]`).getAttribute("data-phase");
    assert.equal(phase, { completed: "done", interrupted: "interrupted", failed: "failed" }[cut.status] ?? cut.status);
    // Why it ended is the host's, the same whether the page saw the end live or re-read it.
    const record = (await host.api("GET", `/api/sessions/${id}/turns/${cut.id}`)).body;
    if (record.error) {
      assert.equal(cut.error?.message, record.error);
      await page.locator(`article.turn[data-turn-id="${cut.id}"] .turn-error`).getByText(record.error).waitFor();
    }
    // And the page keeps working: a new turn streams and completes.
    await send(page, "after the restart");
    await waitPhase(page, "done", T);
    await page.getByText("You said: after the restart").waitFor();
  });

  step("a chat opens at its newest turn and stays pinned while streaming, unless scrolled up", async () => {
    const id = await createChat("Long chat");
    for (let i = 0; i < 8; i++) await turn(id, `turn ${i} scenario:deltas=120`);
    const newest = await turn(id, "the newest one");
    await page.goto(`${host.url}/`);
    await page.locator(`.chat-row[data-session-id="${id}"] a`).click();
    await page.locator(`article.turn[data-turn-id="${newest}"]`).waitFor();
    assert.ok((await page.locator(".transcript").evaluate((el) => el.scrollHeight > el.clientHeight + 200)), "the chat is taller than its pane");
    await page.waitForFunction(() => {
      const el = document.querySelector(".transcript");
      return el && el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    }, null, { timeout: 5_000 });
    await page.locator(`article.turn[data-turn-id="${newest}"]`).getByText("You said: the newest one").waitFor();
    assert.ok(await page.getByText("You said: the newest one").isVisible());
    assert.equal(await page.getByRole("button", { name: "Jump to latest" }).count(), 0);

    // Streaming keeps the bottom in view.
    await send(page, "scenario:deltas=150");
    await waitPhase(page, "done", T);
    assert.ok((await distanceFromBottom()) < 4, "pinned to the bottom after streaming");

    // Scrolled up: a new reply does not pull the view down, and the jump button brings it back.
    await page.locator(".transcript").evaluate((el) => el.scrollTo({ top: 0 }));
    await page.getByRole("button", { name: "Jump to latest" }).waitFor();
    await send(page, "scenario:deltas=60");
    await waitPhase(page, "done", T);
    assert.ok((await distanceFromBottom()) > 200, "the view stayed where the user scrolled");
    await page.getByRole("button", { name: "Jump to latest" }).click();
    await page.waitForFunction(() => {
      const el = document.querySelector(".transcript");
      return el.scrollHeight - el.scrollTop - el.clientHeight < 4;
    });
  });

  step("text streamed before an interrupt is still there after a reload", async () => {
    const id = await createChat("Cut short");
    await page.goto(`${host.url}/chats/${id}`);
    await page.getByRole("heading", { name: "Cut short" }).waitFor();
    await send(page, "scenario:slow");
    await page.locator("article.turn").last().locator(".msg.assistant", { hasText: "s3" }).waitFor({ timeout: T });
    await page.getByRole("button", { name: "Interrupt" }).click();
    await waitPhase(page, "interrupted", T);
    const live = await page.locator("article.turn").last().locator(".msg.assistant").innerText();
    assert.match(live, /^s0 s1 s2 s3/);
    // app-server keeps no unfinished item in its history; the host puts back what streamed (`keptByHost`).
    await page.reload();
    await waitPhase(page, "interrupted", T);
    const again = await page.locator("article.turn").last().locator(".msg.assistant").innerText();
    assert.ok(again.startsWith(live.trim()), `after the reload: ${JSON.stringify(again)} (live: ${JSON.stringify(live)})`);
  });

  step("new chat without typing a path: last used, recent and project folders offered; friendly errors", async () => {
    const projectDir = join(host.dir, "proj-dir");
    mkdirSync(projectDir);
    const other = join(host.dir, "other-dir");
    mkdirSync(other);
    assert.equal((await host.api("POST", "/api/projects", { name: "Proj", cwd: projectDir })).status, 201);
    await createChat("In work");
    await createChat("In other", other);
    await page.goto(`${host.url}/`);
    await page.locator(".conn-open").waitFor();
    await page.evaluate(() => localStorage.removeItem("cm-last-cwd"));
    await page.reload();
    await page.getByRole("button", { name: "New chat" }).first().click();
    const dialog = page.getByRole("dialog", { name: "New chat" });
    const field = dialog.getByRole("textbox", { name: "Working directory" });
    // Without a last used one, the most recently used chat's folder is there already.
    assert.equal(await field.inputValue(), other);
    // Recent and project folders are one click away.
    const recent = dialog.getByRole("group", { name: "Recent folders" });
    await recent.getByRole("button", { name: host.work, exact: true }).waitFor();
    await recent.getByRole("button", { name: projectDir, exact: true }).waitFor();
    await dialog.screenshot({ path: join(artifacts, "first-hour-new-chat.png") });

    // Empty: a sentence, not the browser's bubble nor a raw API error.
    await field.fill("");
    await dialog.getByRole("button", { name: "Create chat" }).click();
    await dialog.getByText("Choose a working directory", { exact: false }).waitFor();
    // A relative path: said plainly, before asking the host.
    await field.fill("code");
    await dialog.getByRole("button", { name: "Create chat" }).click();
    await dialog.getByText(/absolute path/).waitFor();
    assert.equal(await dialog.getByText("invalid_request").count(), 0);
    // `~/…` is the host user's home: the host expands it (this one has no `code` folder there).
    await field.fill("~/no-such-folder-here");
    await dialog.getByRole("button", { name: "Create chat" }).click();
    await dialog.getByText(/does not exist on the host/).waitFor();
    // A folder that does not exist.
    await field.fill(join(host.dir, "missing"));
    await dialog.getByRole("button", { name: "Create chat" }).click();
    await dialog.getByText(/does not exist on the host/).waitFor();

    await recent.getByRole("button", { name: host.work, exact: true }).click();
    assert.equal(await field.inputValue(), host.work);
    await dialog.getByLabel("Title (optional)").fill("Picked");
    await dialog.getByRole("button", { name: "Create chat" }).click();
    await page.getByRole("heading", { name: "Picked" }).waitFor();
    const sid = page.url().split("/chats/")[1];
    assert.equal((await host.api("GET", `/api/sessions/${sid}?limit=1`)).body.session.cwd, host.work);

    // Next time, the last used directory is the default.
    await page.getByRole("button", { name: "New chat" }).first().click();
    const again = page.getByRole("dialog", { name: "New chat" }).getByRole("textbox", { name: "Working directory" });
    assert.equal(await again.inputValue(), host.work);
    await page.keyboard.press("Escape");
  });

  step("approvals in place, from the keyboard; the tab title counts what waits", async () => {
    const id = await createChat("Keys");
    await page.goto(`${host.url}/chats/${id}`);
    await page.getByRole("heading", { name: "Keys" }).waitFor();
    await page.waitForFunction(() => document.title === "Keys · Codex Manager");

    await send(page, "run it scenario:approval");
    const card = page.locator('section.request.pending[data-kind="command_approval"]');
    await card.waitFor({ timeout: T });
    await page.waitForFunction(() => document.title === "(1) Keys · Codex Manager");
    // The command waits for its approval, and the card sits before the command's output.
    const turnEl = page.locator("article.turn").last();
    const command = turnEl.locator('section.item.command');
    // (app-server starts the command's item before it asks.)
    await command.locator(".exit", { hasText: "waiting for approval" }).waitFor();
    assert.equal(await command.getByText(/running/).count(), 0);
    const before = await turnEl.evaluate((el) => {
      const cardEl = el.querySelector("section.request");
      const cmd = el.querySelector("section.item.command");
      return cardEl.compareDocumentPosition(cmd) & Node.DOCUMENT_POSITION_FOLLOWING ? "card first" : "command first";
    });
    assert.equal(before, "card first");
    // The shortcut focuses the oldest waiting card; `a` accepts it.
    await page.locator("#composer-input").blur();
    await page.locator("body").press("w");
    await page.waitForFunction(() => document.activeElement?.matches?.("section.request.pending"));
    assert.match((await card.getAttribute("aria-keyshortcuts")) ?? "", /a/);
    await turnEl.screenshot({ path: join(artifacts, "first-hour-approval-keys.png") });
    await page.keyboard.press("a");
    const resolved = turnEl.locator('section.request.resolved[data-kind="command_approval"]');
    await resolved.getByText("decided by web").waitFor({ timeout: T });
    await turnEl.locator('pre[aria-label="command output"]', { hasText: "approved-output" }).waitFor({ timeout: T });
    await waitPhase(page, "done", T);
    await page.waitForFunction(() => document.title === "Keys · Codex Manager");
    // Decided, the card stays where it happened: before the command's output.
    const order = await turnEl.evaluate((el) => {
      const cardEl = el.querySelector("section.request");
      const out = el.querySelector('pre[aria-label="command output"]');
      return cardEl.compareDocumentPosition(out) & Node.DOCUMENT_POSITION_FOLLOWING ? "card first" : "output first";
    });
    assert.equal(order, "card first");
    await shot(page, "first-hour-approval-decided");

    // `d` declines.
    await send(page, "again scenario:approval");
    await card.waitFor({ timeout: T });
    await page.locator("#composer-input").blur();
    await page.locator("body").press("w");
    await page.waitForFunction(() => document.activeElement?.matches?.("section.request.pending"));
    await page.keyboard.press("d");
    await page.locator("article.turn").last().locator("section.request.resolved").getByText("decline").first().waitFor({ timeout: T });
    await waitPhase(page, "done", T);
    const r = await host.api("GET", `/api/sessions/${id}/requests?status=resolved`);
    assert.deepEqual(r.body.map((x) => x.decision).sort(), ["accept", "decline"]);
  });
});
