// The chat and project actions end to end: headless Chromium against a real host (the real codex app-server and
// the fake model). Fork (the new chat opens), review (a target from the API's choices runs as a turn), revert to
// before a turn (from the turn's menu), token usage per turn and per session with the account's rate limits, project
// rename / re-point / move all chats / delete all chats / delete (and the API's error shown when it refuses), chat
// list paging, jump to latest, and the action menu at phone width. Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { appendFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { T, artifacts, eventually, newChat, publishDocShots, send, shot, signedInPage, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

// Screenshots docs/web.md shows (refreshed with UPDATE_DOCS_IMAGES=1).
const DOC_SHOTS = { "31-chat-actions": "web-chat-actions", "32-review": "web-review", "33-usage": "web-usage", "34-project": "web-project", "35-phone-actions": "web-phone-actions", "36-features": "web-features", "37-mcp": "web-mcp" };

let host;
let browser;
let context;
let page;
let sessionId;

const step = stepper(test, "actions-", () => page);



async function turnIds() {
  return page.locator("article.turn").evaluateAll((els) => els.map((e) => e.dataset.turnId));
}

async function openChatActions() {
  await page.getByRole("button", { name: "More chat actions" }).click();
  return page.getByRole("menu", { name: "More chat actions" });
}


describe("web UI: chat and project actions", { timeout: 12 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ logName: "host-actions.log" });
    browser = await startBrowser();
    ({ context, page } = await signedInPage(browser, host));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    publishDocShots(DOC_SHOTS);
  });

  step("token usage per turn and per session, and the account's rate limits (or the API's reason)", async () => {
    sessionId = await newChat(page, host.work, "Actions chat");
    await send(page, "first question");
    await waitPhase(page, "done");
    await send(page, "second question");
    await waitPhase(page, "done");
    // Each turn reports its tokens (app-server's thread/tokenUsage/updated, logged by the host).
    const turnTokens = page.locator("article.turn").last().getByTestId("turn-tokens");
    await turnTokens.waitFor();
    assert.match(await turnTokens.innerText(), /^[\d,]+ tokens$/);
    const usageEvents = await host.api("GET", `/api/events?since=0&sessions=${sessionId}&types=session.token_usage&limit=5000`);
    const newest = usageEvents.body.events.at(-1).data.tokenUsage;
    const button = page.getByRole("button", { name: /^Usage/ });
    await eventually("the session's total on the usage button", async () => (await button.getAttribute("aria-label")) === `Usage: ${newest.total.totalTokens.toLocaleString("en-US")} tokens`);
    await button.click();
    const dialog = page.getByRole("dialog", { name: "Usage" });
    await dialog.getByTestId("session-tokens").getByText(newest.total.totalTokens.toLocaleString("en-US"), { exact: true }).waitFor();
    // One row per turn, each the sum of its model responses' usage.
    const ids = await turnIds();
    assert.equal(await dialog.locator("table.usage-table tbody tr").count(), ids.length);
    const lastTurnEvents = usageEvents.body.events.filter((e) => e.data.turnId === ids.at(-1));
    const lastTurnTotal = lastTurnEvents.reduce((n, e) => n + e.data.tokenUsage.last.totalTokens, 0);
    assert.equal(await dialog.locator(`tr[data-turn-id="${ids.at(-1)}"] td`).nth(1).innerText(), lastTurnTotal.toLocaleString("en-US"));
    // Rate limits: what the API answers; with the fake provider and no ChatGPT account, its error's message.
    const limits = await host.api("GET", "/api/account/rate-limits");
    const section = dialog.getByRole("region", { name: "Rate limits" });
    if (limits.status === 200) await section.locator(".rate-limit").first().waitFor();
    else await section.getByRole("alert").getByText(limits.body.error.message, { exact: false }).waitFor();
    await shot(page, "33-usage");
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  step("fork opens the new chat, with the history", async () => {
    const menu = await openChatActions();
    await shot(page, "31-chat-actions");
    await menu.getByRole("menuitem", { name: "Fork chat" }).click();
    await page.waitForURL((u) => !u.pathname.endsWith(sessionId));
    const forkId = page.url().split("/chats/")[1];
    await page.getByRole("heading", { name: "Actions chat (fork)" }).waitFor();
    const fork = await host.api("GET", `/api/sessions/${forkId}`);
    assert.equal(fork.body.session.forkedFrom, sessionId);
    // The fork is listed in the sidebar (from its session.created event) and carries the history.
    await page.locator(`.chat-row[data-session-id="${forkId}"]`).waitFor();
    await page.locator("article.turn").last().getByText("You said: second question").waitFor({ timeout: T });
    // Back to the original.
    await page.locator(`.chat-row[data-session-id="${sessionId}"] a`).click();
    await page.getByRole("heading", { name: "Actions chat", exact: true }).waitFor();
  });

  step("revert to before a turn, from the turn's menu", async () => {
    await send(page, "a turn to revert");
    await waitPhase(page, "done");
    const ids = await turnIds();
    const n = ids.length;
    await page.getByRole("button", { name: `Actions for turn ${n}` }).click();
    await page.getByRole("menuitem", { name: "Revert to before this turn" }).click();
    const dialog = page.getByRole("dialog", { name: `Revert to before turn ${n}?` });
    await dialog.getByRole("button", { name: "Revert" }).click();
    await dialog.waitFor({ state: "hidden" });
    await eventually("the turn gone from the page", async () => {
      const now = await turnIds();
      return now.length === n - 1 && !now.includes(ids.at(-1));
    });
    const rest = await host.api("GET", `/api/sessions/${sessionId}/transcript?limit=200`);
    assert.deepEqual(await turnIds(), rest.body.turns.map((t) => t.id));
    const reverted = await host.api("GET", `/api/events?since=0&sessions=${sessionId}&types=session.reverted`);
    assert.equal(reverted.body.events.at(-1).data.beforeTurnId, ids.at(-1));
  });

  step("jump to latest when scrolled up", async () => {
    for (const text of ["scenario:deltas=120", "scenario:deltas=120"]) {
      await send(page, text);
      await waitPhase(page, "done");
    }
    const jump = page.getByRole("button", { name: "Jump to latest" });
    assert.equal(await jump.count(), 0, "no button at the bottom");
    await page.locator(".transcript").evaluate((el) => el.scrollTo({ top: 0 }));
    await jump.waitFor();
    await jump.click();
    await jump.waitFor({ state: "hidden" });
    const gap = await page.locator(".transcript").evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    assert.ok(gap < 80, `at the bottom (gap ${gap})`);
  });

  step("run a shell command: its output shows in the chat", async () => {
    const menu = await openChatActions();
    await menu.getByRole("menuitem", { name: "Run a shell command…" }).click();
    const dialog = page.getByRole("dialog", { name: "Run a shell command" });
    await dialog.getByLabel("Command").fill("echo from-the-web-shell");
    await dialog.getByRole("button", { name: "Run" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.locator('pre[aria-label="command output"]', { hasText: "from-the-web-shell" }).waitFor({ timeout: T });
    await waitPhase(page, "done");
    const started = await host.api("GET", `/api/events?since=0&sessions=${sessionId}&types=session.shell_command_started`);
    assert.equal(started.body.events.at(-1).data.command, "echo from-the-web-shell");
  });

  step("projects: rename, re-point, move all chats, refuse to delete a non-empty one, delete all chats, delete", async () => {
    // Two projects; Alpha made from the page, Beta by the API.
    await page.getByRole("button", { name: "New project" }).click();
    const create = page.getByRole("dialog", { name: "New project" });
    await create.getByLabel("Name").fill("Alpha");
    await create.getByLabel("Working directory").fill(host.work);
    await create.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("region", { name: "Alpha" }).waitFor();
    const alpha = (await host.api("GET", "/api/projects")).body.find((p) => p.name === "Alpha");
    const beta = (await host.api("POST", "/api/projects", { name: "Beta", cwd: host.work })).body;
    const chats = [];
    for (const title of ["alpha one", "alpha two"]) chats.push((await host.api("POST", "/api/sessions", { projectId: alpha.id, title })).body.id);
    await page.getByRole("region", { name: "Alpha" }).locator(`.chat-row[data-session-id="${chats[1]}"]`).waitFor();
    await page.getByRole("region", { name: "Beta" }).waitFor();

    await page.getByRole("button", { name: "Actions for project Alpha" }).click();
    let dialog = page.getByRole("dialog", { name: "Project: Alpha" });
    await dialog.getByLabel("Name").fill("Alpha renamed");
    await dialog.getByRole("button", { name: "Rename" }).click();
    await page.getByRole("region", { name: "Alpha renamed" }).waitFor();
    assert.equal((await host.api("GET", `/api/projects/${alpha.id}`)).body.name, "Alpha renamed");
    // Re-point: a directory that does not exist is refused with the API's message; an existing one is taken.
    await dialog.getByLabel("Working directory").fill("/no/such/dir");
    await dialog.getByRole("button", { name: "Change directory" }).click();
    const refused = await host.api("PATCH", `/api/projects/${alpha.id}`, { cwd: "/no/such/dir" });
    assert.ok(refused.status >= 400);
    await dialog.getByRole("alert").getByText(refused.body.error.message, { exact: false }).waitFor();
    mkdirSync(join(host.work, "sub"), { recursive: true });
    await dialog.getByLabel("Working directory").fill(join(host.work, "sub"));
    await dialog.getByRole("button", { name: "Change directory" }).click();
    await dialog.getByRole("status").getByText("new directory").waitFor();
    assert.equal((await host.api("GET", `/api/projects/${alpha.id}`)).body.cwd, join(host.work, "sub"));
    await shot(page, "34-project");
    // Move all its chats to Beta: the rows move (session.updated events), the host has them in Beta.
    await dialog.getByLabel("Move all its chats to").selectOption({ label: "Beta" });
    await dialog.getByRole("button", { name: "Move chats" }).click();
    await dialog.getByRole("status").getByText("Moved 2 chats.").waitFor();
    for (const id of chats) {
      assert.equal((await host.api("GET", `/api/sessions/${id}`)).body.session.projectId, beta.id);
      await page.getByRole("region", { name: "Beta" }).locator(`.chat-row[data-session-id="${id}"]`).waitFor();
    }
    // The emptied project is deleted (asked first).
    await dialog.getByRole("button", { name: "Delete project" }).click();
    await dialog.getByRole("button", { name: "Yes, delete the project" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("region", { name: "Alpha renamed" }).waitFor({ state: "detached" });
    assert.equal((await host.api("GET", `/api/projects/${alpha.id}`)).status, 404);

    // Beta has chats: the host refuses to delete it, and the page says why in the API's words.
    await page.getByRole("button", { name: "Actions for project Beta" }).click();
    dialog = page.getByRole("dialog", { name: "Project: Beta" });
    await dialog.getByRole("button", { name: "Delete project" }).click();
    await dialog.getByRole("button", { name: "Yes, delete the project" }).click();
    const notEmpty = await host.api("DELETE", `/api/projects/${beta.id}`);
    assert.equal(notEmpty.body.error.code, "project_not_empty");
    await dialog.getByRole("alert").getByText(notEmpty.body.error.message, { exact: false }).waitFor();
    // Delete all its chats (asked first), then the project.
    await dialog.getByRole("button", { name: "Delete all chats" }).click();
    await dialog.getByRole("button", { name: "Delete 2 chats" }).click();
    await dialog.getByRole("status").getByText("Deleted 2 chats.").waitFor();
    for (const id of chats) {
      assert.equal((await host.api("GET", `/api/sessions/${id}`)).status, 404);
      await page.locator(`.chat-row[data-session-id="${id}"]`).waitFor({ state: "detached" });
    }
    await dialog.getByRole("button", { name: "Delete project" }).click();
    await dialog.getByRole("button", { name: "Yes, delete the project" }).click();
    await dialog.waitFor({ state: "hidden" });
    assert.equal((await host.api("GET", `/api/projects/${beta.id}`)).status, 404);
  });

  step("the chat list pages beyond one page", async () => {
    const all = (await host.api("GET", "/api/sessions?limit=500")).body.sessions.map((s) => s.id);
    assert.ok(all.length >= 2);
    // A page of one chat, so the test needs no 500 chats: the same paging the 500-chat page uses.
    await page.evaluate(() => {
      window.__cm.sessionPageSize = 1;
      return window.__cm.refreshSessions();
    });
    assert.equal(await page.locator(".sidebar .chat-row").count(), 1);
    const more = page.getByRole("button", { name: "Load more chats" });
    const rows = page.locator(".sidebar .chat-row");
    for (let i = 1; i < all.length; i++) {
      await more.click();
      await eventually(`${i + 1} chats listed`, async () => (await rows.count()) === i + 1);
    }
    await more.waitFor({ state: "detached" });
    assert.deepEqual(await page.locator(".sidebar .chat-row").evaluateAll((els) => els.map((e) => e.dataset.sessionId).sort()), [...all].sort());
  });

  step("at phone width the actions fit the screen", async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${host.url}/chats/${sessionId}`);
    await page.locator("article.turn").first().waitFor();
    const menu = await openChatActions();
    for (const name of ["Fork chat", "Review…", "Compact history", "Run a shell command…", "Clean background terminals"]) {
      const box = await menu.getByRole("menuitem", { name }).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `${name} is on screen (${JSON.stringify(box)})`);
    }
    await shot(page, "35-phone-actions");
    // Compact and clean answer from the host.
    await menu.getByRole("menuitem", { name: "Compact history" }).click();
    await page.getByRole("status").getByText("Compaction started").waitFor();
    await (await openChatActions()).getByRole("menuitem", { name: "Clean background terminals" }).click();
    await page.getByRole("status").getByText("Background terminals cleaned.").waitFor();
  });
  step("review: the target choices are the API's; a custom review runs as a turn of the chat", async () => {
    await page.setViewportSize({ width: 1280, height: 820 });
    // A chat of its own: after an inline review the host keeps the review's inner turn running (see the report),
    // which would hold up the other steps' turns.
    await newChat(page, host.work, "Review chat");
    const reviewChat = page.url().split("/chats/")[1];
    await send(page, "something to review");
    await waitPhase(page, "done");
    const menu = await openChatActions();
    await menu.getByRole("menuitem", { name: "Review…" }).click();
    const dialog = page.getByRole("dialog", { name: "Review" });
    for (const label of [/Uncommitted changes/, /against a base branch/, /One commit/, /Custom instructions/]) await dialog.getByRole("radio", { name: label }).waitFor();
    // A target that needs a value cannot start without it.
    await dialog.getByRole("radio", { name: /against a base branch/ }).check();
    assert.equal(await dialog.getByRole("button", { name: "Start review" }).isDisabled(), true);
    await dialog.getByRole("radio", { name: /Custom instructions/ }).check();
    await dialog.getByLabel("Instructions", { exact: true }).fill("look at the error handling");
    await shot(page, "32-review");
    await dialog.getByRole("button", { name: "Start review" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("status").getByText("Review started").waitFor();
    // The review turn: entered review mode, the reviewer's answer, review finished; done.
    const turn = page.locator("article.turn", { hasText: "Review started" });
    await turn.getByText("Review finished").waitFor({ timeout: T });
    await turn.and(page.locator('[data-phase="done"]')).waitFor({ timeout: T });
    await turn.getByText("You said: look at the error handling").waitFor();
    const events = await host.api("GET", `/api/events?since=0&sessions=${reviewChat}&types=session.review_started`);
    assert.deepEqual(events.body.events.at(-1).data.target, { type: "custom", instructions: "look at the error handling" });
  });


  step("settings: experimental features and skills switch on and off as the host answers; MCP servers listed", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const features = page.getByRole("region", { name: "Experimental features" });
    // app-server takes some features' switches and ignores others (answering success): find one of each.
    const enabled = async (name) => (await host.api("GET", "/api/features")).body.data.find((f) => f.name === name).enabled;
    let feature = null;
    let ignored = null;
    for (const f of (await host.api("GET", "/api/features")).body.data.filter((f) => !f.enabled)) {
      await host.api("PUT", `/api/features/${f.name}`, { enabled: true });
      if (await enabled(f.name)) {
        await host.api("PUT", `/api/features/${f.name}`, { enabled: false });
        if (!(await enabled(f.name))) feature ??= f;
      } else ignored ??= f;
      if (feature && ignored) break;
    }
    assert.ok(feature, "a feature that can be switched on and off");
    await page.reload();
    const sw = features.getByRole("switch", { name: `Feature ${feature.name} enabled` });
    await sw.waitFor();
    assert.equal(await sw.isChecked(), false);
    await sw.click();
    await eventually("the feature on", async () => (await sw.isChecked()) && !(await sw.isDisabled()));
    assert.equal((await host.api("GET", "/api/features")).body.data.find((f) => f.name === feature.name).enabled, true);
    await features.locator(`li[data-feature="${feature.name}"]`).screenshot({ path: join(artifacts, "36-features.png") });
    await sw.click();
    await eventually("the feature off", async () => !(await sw.isChecked()) && !(await sw.isDisabled()));
    assert.equal((await host.api("GET", "/api/features")).body.data.find((f) => f.name === feature.name).enabled, false);
    if (ignored) {
      // A switch app-server ignores stays as it is, and the page says so.
      const isw = features.getByRole("switch", { name: `Feature ${ignored.name} enabled` });
      await isw.click();
      await features.locator(`li[data-feature="${ignored.name}"]`).getByRole("alert").getByText("Codex kept this feature off.").waitFor();
      assert.equal(await isw.isChecked(), false);
    }

    const skills = (await host.api("GET", "/api/skills")).body.data.flatMap((e) => e.skills);
    if (skills.length) {
      const skill = skills[0];
      const ssw = page.getByRole("region", { name: "Skills" }).getByRole("switch", { name: `Skill ${skill.name} enabled` });
      await ssw.waitFor();
      assert.equal(await ssw.isChecked(), skill.enabled);
      await ssw.click();
      await eventually("the skill switched", async () => (await ssw.isChecked()) !== skill.enabled && !(await ssw.isDisabled()));
      const now = (await host.api("GET", "/api/skills")).body.data.flatMap((e) => e.skills).find((k) => k.path === skill.path);
      assert.equal(now.enabled, !skill.enabled);
    }
  });

  step("MCP: a server that needs a sign-in offers Connect, which opens the authorization URL app-server answers", async () => {
    // A stand-in for a remote MCP server behind OAuth (what the test cannot reach for real): it asks for a bearer
    // token and publishes its OAuth metadata, so app-server's login can start and build the authorization URL.
    let port;
    const oauth = createServer((req, res) => {
      const base = `http://127.0.0.1:${port}`;
      const body = (status, obj) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      if (req.url.startsWith("/.well-known/oauth-authorization-server"))
        return body(200, { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, registration_endpoint: `${base}/register`, response_types_supported: ["code"], code_challenge_methods_supported: ["S256"] });
      if (req.url.startsWith("/.well-known/oauth-protected-resource")) return body(200, { resource: `${base}/mcp`, authorization_servers: [base] });
      if (req.url === "/register") {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => body(201, { ...JSON.parse(raw || "{}"), client_id: "e2e-client" }));
        return;
      }
      if (req.url.startsWith("/authorize")) {
        res.writeHead(200, { "Content-Type": "text/html" });
        return res.end("<h1>Authorize e2e</h1>");
      }
      res.writeHead(401, { "WWW-Authenticate": `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource"` });
      res.end();
    });
    await new Promise((r) => oauth.listen(0, "127.0.0.1", r));
    port = oauth.address().port;
    try {
      appendFileSync(join(host.dir, "data", "codex-home", "config.toml"), `\n[mcp_servers.demo]\nurl = "http://127.0.0.1:${port}/mcp"\n`);
      await page.getByRole("link", { name: "Settings" }).click();
      const mcp = page.getByRole("region", { name: "MCP servers" });
      await mcp.getByRole("button", { name: "Reload MCP servers" }).click();
      const row = mcp.locator('li[data-mcp-server="demo"]');
      await eventually("the server listed", async () => {
        if (await row.count()) return true;
        await mcp.getByRole("button", { name: "Reload MCP servers" }).click();
        return false;
      });
      const [popup] = await Promise.all([context.waitForEvent("page"), row.getByRole("button", { name: "Connect demo" }).click()]);
      await popup.waitForLoadState();
      const opened = new URL(popup.url());
      assert.equal(`${opened.origin}${opened.pathname}`, `http://127.0.0.1:${port}/authorize`);
      assert.equal(opened.searchParams.get("client_id"), "e2e-client");
      await popup.close();
      // The link stays on the page, for a blocked popup.
      const link = row.getByRole("link", { name: "open the authorization page" });
      assert.match(await link.getAttribute("href"), new RegExp(`^http://127\\.0\\.0\\.1:${port}/authorize\\?`));
      await row.screenshot({ path: join(artifacts, "37-mcp.png") });
    } finally {
      oauth.close();
    }
  });
});
