// The helper's error conversion, in Node: index.js as `plugin new` fills it in, except that `raw` (the bindings by
// interface name, which componentize-qjs provides in the component) is what each test sets: a host function that
// throws what a binding throws for a WIT error (the variant `{ tag, val }`, or wrapped in `payload`).
//
//   node --test plugins/js/test/
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = readFileSync(join(here, "..", "codex-manager-plugin", "index.js"), "utf8");
assert.ok(source.includes("// {{imports}}"), "the import block placeholder plugin new fills in");
const filled = source.replace("// {{imports}}", "const raw = globalThis.__cmRaw;").replaceAll("{{wit}}", "0.2.0");
const file = join(mkdtempSync(join(tmpdir(), "cm-js-helper-")), "index.mjs");
writeFileSync(file, filled);

const logged = [];
const hostCalls = {};
globalThis.__cmRaw = {
  log: { log: (level, message) => logged.push([level, message]) },
  kv: { get: (...a) => hostCalls.kvGet(...a), compareAndSet: (...a) => hostCalls.cas(...a) },
  settings: { get: (...a) => hostCalls.settingsGet(...a) },
  sessions: {}, turns: {}, requests: {}, http: {}, jobs: {}, workers: {}, notes: {},
};
const h = await import(pathToFileURL(file).href);

test("a WIT error thrown by a binding is a HostError, bare or in `payload`", () => {
  hostCalls.kvGet = () => { throw { tag: "denied", val: "capability `kv` not granted" }; };
  assert.throws(() => h.kv.get("turns"), (e) => e instanceof h.HostError && e.isDenied && e.detail === "capability `kv` not granted" && e.message === "denied: capability `kv` not granted");
  hostCalls.kvGet = () => { throw { payload: { tag: "unavailable", val: "busy" } }; };
  assert.throws(() => h.kv.get("turns"), (e) => e instanceof h.HostError && e.isTransient);
  const other = new TypeError("not a WIT error");
  hostCalls.kvGet = () => { throw other; };
  assert.throws(() => h.kv.get("turns"), (e) => e === other, "anything else passes through unchanged");
});

test("0.2.0's interfaces are exported and wrapped the same way", () => {
  assert.equal(h.WIT_VERSION, "0.2.0");
  hostCalls.settingsGet = () => { throw { tag: "not-found", val: "greeting" }; };
  assert.throws(() => h.settings.get("greeting"), (e) => e instanceof h.HostError && e.isNotFound);
  hostCalls.cas = (key, expected, value) => key === "k" && expected === null && value === "v";
  assert.equal(h.kv.compareAndSet("k", null, "v"), true);
  assert.equal(h.hostApi.settings, h.settings);
});

test("what a handler lets through becomes the call's error; a string is a tool answer", () => {
  hostCalls.kvGet = () => { throw { tag: "unavailable", val: "the store is busy" }; };
  class P extends h.Plugin {
    onEvent() { h.kv.get("turns"); }
    callTool(call) {
      if (call.tool === "boom") throw new RangeError("boom from js");
      return `hello ${call.json().name}`;
    }
    runJob(job) {
      if (job.kind === "denied") throw new h.HostError("denied", "jobs");
      h.kv.get("turns");
    }
  }
  const handler = h.exportPlugin(new P());
  assert.throws(() => handler.onEvent({ kind: "turn.completed", data: "{}" }), (e) => e === "unavailable: the store is busy");
  assert.deepEqual(handler.callTool({ tool: "hello", arguments: '{"name":"you"}' }), { output: "hello you", success: true });
  assert.throws(() => handler.callTool({ tool: "boom", arguments: "{}" }), (e) => typeof e === "string" && e.startsWith("RangeError: boom from js\n"));
  assert.deepEqual(handler.runJob({ kind: "busy", payload: "{}" }), { tag: "retry-later", val: { afterMs: 10000, reason: "the store is busy" } });
  assert.deepEqual(handler.runJob({ kind: "denied", payload: "{}" }), { tag: "failed", val: "denied: jobs" });
  h.log.info("seen");
  assert.deepEqual(logged.at(-1), ["info", "seen"]);
});
