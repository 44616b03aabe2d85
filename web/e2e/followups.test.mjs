// The follow-up queue end to end: headless Chromium against a real host (the real codex app-server and the fake
// model). While a turn runs the composer queues messages; they show under the composer, move, pause with the reason
// shown and resume; then they run one by one, in the order set, after the turn. Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import { eventually, newChat, publishDocShots, send, shot, signedInPage, startBrowser, startHost, stepper, waitPhase } from "./harness.mjs";

// Screenshots docs/web.md shows (refreshed with UPDATE_DOCS_IMAGES=1).
const DOC_SHOTS = { "41-followups-paused": "web-followups" };

let host;
let browser;
let page;
let sessionId;

const step = stepper(test, "followups-", () => page);

async function queued() {
  return page.locator(".followup .followup-text").evaluateAll((els) => els.map((e) => e.textContent.trim()));
}

async function queue(text) {
  await page.locator("#composer-input").fill(text);
  await page.getByRole("button", { name: "Queue", exact: true }).click();
  await eventually(`"${text}" queued`, async () => (await queued()).includes(text));
}

describe("web UI: the follow-up queue", { timeout: 8 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ logName: "host-followups.log" });
    browser = await startBrowser();
    ({ page } = await signedInPage(browser, host));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    publishDocShots(DOC_SHOTS);
  });

  step("messages sent while a turn runs wait under the composer, in an order the user sets", async () => {
    sessionId = await newChat(page, host.work, "Queue chat");

    await send(page, "first scenario:sleep=6000");
    await page.getByRole("button", { name: "Queue", exact: true }).waitFor();
    await queue("alpha scenario:deltas=2");
    await queue("bravo scenario:deltas=2");
    await queue("charlie scenario:deltas=2");
    assert.deepEqual(await queued(), ["alpha scenario:deltas=2", "bravo scenario:deltas=2", "charlie scenario:deltas=2"]);

    await page.getByRole("button", { name: "Move follow-up 3 up" }).click();
    await eventually("charlie moved up", async () => (await queued())[1] === "charlie scenario:deltas=2");
    // The order is the host's: another client reads the same.
    const { body } = await host.api("GET", `/api/sessions/${sessionId}/followups`);
    assert.deepEqual(body.followups.map((f) => f.text), ["alpha scenario:deltas=2", "charlie scenario:deltas=2", "bravo scenario:deltas=2"]);
  });

  step("a paused queue says why and waits past the turn's end; Resume runs them in order", async () => {
    await page.getByRole("button", { name: "Pause", exact: true }).click();
    const banner = page.locator(".followups-paused");
    await banner.waitFor();
    assert.match(await banner.innerText(), /Follow-ups paused: you paused it\. 3 waiting\./);
    await waitPhase(page, "done");
    // The turn ended; the session's view (from the host) still says the queue is paused, and nothing started.
    const { body } = await host.api("GET", `/api/sessions/${sessionId}`);
    assert.deepEqual([body.session.followups.paused, body.session.followups.count], [true, 3]);
    assert.equal(await page.locator("article.turn").count(), 1);
    await shot(page, "41-followups-paused");

    await page.getByRole("button", { name: "Resume", exact: true }).click();
    await eventually("every follow-up ran", async () => (await page.locator("article.turn").count()) === 4 && (await queued()).length === 0);
    await waitPhase(page, "done");
    assert.equal(await page.locator(".followups").count(), 0, "nothing waits: the queue is gone from the page");
    const { body: t } = await host.api("GET", `/api/sessions/${sessionId}/transcript`);
    const users = t.turns.flatMap((turn) => turn.items.filter((i) => i.type === "userMessage").map((i) => i.content.map((c) => c.text).join("")));
    assert.deepEqual(users, ["first scenario:sleep=6000", "alpha scenario:deltas=2", "charlie scenario:deltas=2", "bravo scenario:deltas=2"]);
  });
});
