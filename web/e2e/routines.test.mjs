// Routines end to end: headless Chromium against a real host (the real codex app-server and the fake model). A routine
// is created on the Routines page (the cron field shows the host's next times, the webhook secret shows once), run
// now, and its run goes from queued to completed in the runs list, with the prompt in the chat it targets.
// Screenshots go to web/e2e/artifacts/.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { eventually, newChat, publishDocShots, shot, signedInPage, startBrowser, startHost, stepper } from "./harness.mjs";

// Screenshots docs/web.md shows (refreshed with UPDATE_DOCS_IMAGES=1).
const DOC_SHOTS = { "51-routines": "web-routines" };

let host;
let browser;
let page;

const step = stepper(test, "routines-", () => page);

describe("web UI: routines", { timeout: 6 * 60_000 }, () => {
  before(async () => {
    host = await startHost({ logName: "host-routines.log" });
    browser = await startBrowser();
    ({ page } = await signedInPage(browser, host));
  });

  after(async () => {
    await browser?.close();
    await host?.stop();
    publishDocShots(DOC_SHOTS);
  });

  step("a routine is created with its next times shown and its secret shown once, then run now to completion", async () => {
    const sessionId = await newChat(page, host.work, "Routine target");

    await page.getByRole("link", { name: "Routines" }).click();
    await page.getByRole("heading", { name: "Routines" }).waitFor();
    await page.getByRole("button", { name: "New routine" }).click();
    const form = page.getByRole("form", { name: "New routine" });
    await form.getByLabel("Name").fill("Morning summary");
    await form.getByLabel("Prompt").fill("routine says hello scenario:deltas=3");
    await form.getByLabel("Chat", { exact: true }).selectOption(sessionId);
    await form.getByLabel("Schedule (cron)").fill("0 2 * * *");
    await eventually("the next times", async () => ((await page.getByTestId("next-runs").textContent()) ?? "").split("·").length === 3);
    await form.getByRole("button", { name: "Create routine" }).click();

    const secret = (await page.getByTestId("webhook-secret").textContent()) ?? "";
    assert.match(secret, /^cmwh_[0-9a-f]{64}$/);
    await page.getByRole("button", { name: "I saved it" }).click();
    assert.equal(await page.getByTestId("webhook-secret").count(), 0, "the secret is shown once");

    const row = page.getByRole("listitem", { name: "Routine Morning summary" });
    await row.getByRole("button", { name: "Run now" }).click();
    const run = row.locator("[data-run-id]").first();
    await eventually("the run to complete", async () => (await run.getAttribute("data-status")) === "completed", 90_000);
    await shot(page, "51-routines");

    await row.getByRole("link", { name: "open chat" }).click();
    await page.getByRole("heading", { name: "Routine target" }).waitFor();
    await page.getByText("routine says hello scenario:deltas=3").first().waitFor();
  });
});
