// End-to-end harness: a real host (target/debug/codex-manager serve --demo: the real codex app-server against the
// project's fake model) serving the production build in web/dist, driven by Debian's Chromium through
// playwright-core. Nothing is downloaded: the browser is /usr/bin/chromium (or CHROMIUM_PATH).
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, createWriteStream } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const webDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const repo = resolve(webDir, "..");
export const artifacts = join(webDir, "e2e", "artifacts");
mkdirSync(artifacts, { recursive: true });

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

function chromiumPath() {
  for (const p of [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (p && existsSync(p)) return p;
  }
  throw new Error("Chromium is not installed: run scripts/setup.sh --test (apt-get install -y chromium)");
}

/** Start a host. `bundledPlugins`: a directory of plugin packages installed on the data dir's first start (the
 * shipped ones are in plugins/dist); default none. `logName`: the host log's file name in the artifacts. */
/** Start a host. `bundledPlugins`: a directory of plugin packages installed on the data dir's first start (the
 * shipped ones are in plugins/dist); default none. `logName`: the host log's file name in the artifacts.
 * `host.restart()` stops it and starts it again on the same data dir and port (a page stays on the same origin). */
export async function startHost({ bundledPlugins = "none", logName = "host.log" } = {}) {
  const bin = join(repo, "target", "debug", "codex-manager");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: cargo build -p codex-manager`);
  if (!existsSync(join(webDir, "dist", "index.html"))) throw new Error("web/dist is missing: npm run build");
  const dir = mkdtempSync(join(tmpdir(), "cm-e2e-"));
  const work = join(dir, "work");
  mkdirSync(work);
  const port = await freePort();
  const codexBin = process.env.CODEX_BIN ?? join(repo, ".tools", "codex", "node_modules", ".bin", "codex");
  const log = createWriteStream(join(artifacts, logName));
  const url = `http://127.0.0.1:${port}`;

  /** Spawn `serve` and wait for its login link. */
  function spawnServe() {
    const child = spawn(bin, ["serve", "--demo", "--data-dir", join(dir, "data"), "--bind", `127.0.0.1:${port}`, "--web-dir", join(webDir, "dist")], {
      env: {
        ...process.env,
        CODEX_BIN: codexBin,
        CODEX_MANAGER_BUNDLED_PLUGINS: bundledPlugins,
        CODEX_MANAGER_TOKEN: "",
        HOME: dir,
        NO_PROXY: "127.0.0.1,localhost",
        http_proxy: "",
        https_proxy: "",
        HTTP_PROXY: "",
        HTTPS_PROXY: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr.pipe(log, { end: false });
    const link = new Promise((res, rej) => {
      let out = "";
      const timer = setTimeout(() => rej(new Error(`no login link in the host's output:\n${out}`)), 60_000);
      child.stdout.on("data", (chunk) => {
        out += chunk;
        const m = out.match(/Open the web UI: (http\S+)/);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
      child.on("exit", (code) => rej(new Error(`the host exited (${code}):\n${out}`)));
    });
    return { child, link };
  }

  async function stopChild(child, signal = "SIGTERM") {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill("SIGKILL");
        r();
      }, 10_000);
      child.on("exit", () => {
        clearTimeout(t);
        r();
      });
    });
  }

  const first = spawnServe();
  const loginLink = await first.link;
  const token = readFileSync(join(dir, "data", "token"), "utf8").trim();
  const host = {
    url,
    port,
    loginLink,
    token,
    work,
    dir,
    child: first.child,
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    /** Wait until app-server finished its handshake. */
    async waitReady() {
      for (let i = 0; ; i++) {
        const r = await host.api("GET", "/api/ready").catch(() => null);
        if (r?.status === 200 && r.body.ready) return;
        if (i > 300) throw new Error("the host did not become ready");
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    /** Stop the host and start it again on the same data dir and port; resolves once it is ready. `crash`: SIGKILL
     * instead of SIGTERM (nothing is said on the way out); `down`: ms to stay stopped. */
    async restart({ crash = false, down = 0 } = {}) {
      await stopChild(host.child, crash ? "SIGKILL" : "SIGTERM");
      if (down) await new Promise((r) => setTimeout(r, down));
      const next = spawnServe();
      host.child = next.child;
      host.loginLink = await next.link;
      await host.waitReady();
    },
    async stop() {
      await stopChild(host.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await host.waitReady();
  return host;
}

export async function startBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
  });
}

/** A signed-in page on `host` (the login link spent), its page errors echoed, once the event stream is open. */
export async function signedInPage(browser, host, viewport = { width: 1280, height: 820 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e.message));
  await page.goto(host.loginLink);
  await page.locator(".conn-open").waitFor();
  return { context, page };
}

/** With UPDATE_DOCS_IMAGES=1, copy the screenshots docs show (artifact name -> docs/images name) into the docs. */
export function publishDocShots(shots) {
  if (!process.env.UPDATE_DOCS_IMAGES) return;
  const docs = join(repo, "docs", "images");
  mkdirSync(docs, { recursive: true });
  for (const [name, doc] of Object.entries(shots)) copyFileSync(join(artifacts, `${name}.png`), join(docs, `${doc}.png`));
}

/** The bound most waits in these suites use. */
export const T = 60_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `fn()` until it answers something truthy, which is returned; fails naming `what` after `timeout`. */
export async function eventually(what, fn, timeout = T) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

/**
 * A `step(name, fn)` for one suite: a test (bounded by `timeout`) that saves a screenshot of `page()` as
 * `fail-<prefix><name>` when it fails.
 */
export function stepper(test, prefix, page, timeout = 3 * T) {
  return (name, fn) =>
    test(name, { timeout }, async () => {
      try {
        await fn();
      } catch (e) {
        const slug = name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40);
        await shot(page(), `fail-${prefix}${slug}`).catch(() => undefined);
        throw e;
      }
    });
}

/** Save a screenshot as a test artifact. */
export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** Type `text` into the composer and send it. */
/** Create a chat through the "New chat" dialog in `cwd`, titled `title`, and wait until it is open: its id. */
export async function newChat(page, cwd, title) {
  await page.getByRole("button", { name: "New chat" }).first().click();
  await page.getByRole("textbox", { name: "Working directory" }).fill(cwd);
  await page.getByLabel("Title (optional)").fill(title);
  await page.getByRole("button", { name: "Create chat" }).click();
  await page.getByRole("heading", { name: title }).waitFor();
  return page.url().split("/chats/")[1];
}

export async function send(page, text) {
  const box = page.locator("#composer-input");
  await box.fill(text);
  await box.press("Enter");
}

/** Wait until the last turn on the page is in `phase` (`streaming`, `waiting`, `done`, ...). */
export async function waitPhase(page, phase, timeout = 30_000) {
  await page.locator("article.turn").last().and(page.locator(`[data-phase="${phase}"]`)).waitFor({ timeout });
}
