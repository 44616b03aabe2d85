import { startHost, startBrowser } from "./harness.mjs";
const host = await startHost({ logName: "probe.log" });
const browser = await startBrowser();
try {
  const s = await host.api("POST", "/api/sessions", { cwd: host.work, title: "probe" });
  const id = s.body.id;
  for (let i = 0; i < 9; i++) {
    await host.api("POST", `/api/sessions/${id}/messages`, { text: `t${i} scenario:deltas=120` });
    for (;;) { const r = await host.api("GET", `/api/sessions/${id}?limit=1`); if (!r.body.session.activeTurnId && r.body.session.status==="idle") break; await new Promise(r=>setTimeout(r,100)); }
  }
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
  await page.goto(host.loginLink);
  await page.evaluate(() => {
    window.__log = [];
    const t0 = performance.now();
    setInterval(() => { const el = document.querySelector(".transcript"); if (el) window.__log.push([Math.round(performance.now()-t0), el.scrollTop, el.scrollHeight, el.clientHeight, el.className]); }, 50);
  });
  await page.locator(`.chat-row[data-session-id="${id}"] a`).click();
  await page.waitForTimeout(4000);
  const log = await page.evaluate(() => window.__log);
  const dedup = log.filter((x, i) => i === 0 || JSON.stringify(x.slice(1)) !== JSON.stringify(log[i-1].slice(1)));
  console.log(JSON.stringify(dedup));
} finally { await browser.close(); await host.stop(); }
