// An approval's assessment end to end: headless Chromium against a real host (the real codex app-server and the
// fake model) with the probe plugin of WIT 0.2.0 installed, which assesses every approval as it is asked
// (`requests.assess`, risk from its setting). The chat is open before the turn starts, so the request and its
// assessment both reach the page as events (`approval.requested`, then `approval.assessed`): the card shows the
// assessment without a reload or a re-read. Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { T, newChat, repo, send, shot, signedInPage, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

let host;
let browser;
let page;

const step = stepper(test, "assessment-", () => page);

/** Install a package of plugins/dist through the API, granting every capability it requests. */
async function install(id) {
  const dir = join(repo, "plugins", "dist", id);
  const manifest = readFileSync(join(dir, "plugin.toml"), "utf8");
  const grant = manifest
    .match(/^request\s*=\s*\[([^\]]*)\]/m)[1]
    .split(",")
    .map((c) => c.trim().replace(/"/g, ""))
    .filter(Boolean);
  const component = readFileSync(join(dir, "plugin.wasm")).toString("base64");
  const r = await host.api("POST", "/api/plugins", { manifest, component, grant });
  assert.equal(r.status, 201, JSON.stringify(r.body));
}

describe("web UI: an approval's assessment", { timeout: 6 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ logName: "host-assessment.log" });
    browser = await startBrowser();
    ({ page } = await signedInPage(browser, host));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
  });

  step("the assessment a plugin attaches shows on the open approval card as it arrives", async () => {
    await install("probe-v02");
    const set = await host.api("PUT", "/api/plugins/probe-v02/settings", { risk: "high" });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const sessionId = await newChat(page, host.work, "Assessed chat");
    // Set on this document: a reload would drop it.
    await page.evaluate(() => (window.__sameDocument = true));
    const requests = [];
    page.on("request", (r) => {
      if (r.url().includes(`/api/sessions/${sessionId}/requests`)) requests.push(r.url());
    });

    await send(page, "run it scenario:approval");
    const card = page.locator('section.request.pending[data-kind="command_approval"]');
    await card.waitFor({ timeout: T });
    const shown = card.locator('[aria-label="Assessment"]');
    await shown.waitFor({ timeout: T });
    assert.equal(await shown.getAttribute("data-risk"), "high");
    assert.equal((await shown.locator(".badge.risk-high").innerText()).trim(), "high risk");
    assert.match(await shown.innerText(), /probe: .*echo approved-output/);
    assert.match(await shown.innerText(), /plugin:probe-v02/);
    await shot(page, "assessment-live");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    assert.deepEqual(requests, [], "the requests were not read again: the events carried the assessment");

    // The decision stays the user's; the answered card keeps the assessment beside it.
    await card.getByRole("button", { name: "Accept", exact: true }).click();
    const turn = page.locator("article.turn").last();
    const resolved = turn.locator('section.request.resolved[data-kind="command_approval"]');
    await resolved.getByText("decided by web").waitFor();
    await waitPhase(page, "done", T);
    const r = await host.api("GET", `/api/requests?status=resolved`);
    assert.ok(r.body.some((q) => q.sessionId === sessionId && q.assessment?.risk === "high"), JSON.stringify(r.body));
  });
});
