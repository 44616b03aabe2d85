// What the component tests share: rendering into the document under React's act(), and unmounting everything after
// each test (so nothing stays subscribed to the store), plus a JSON answer for a fake fetcher.
import { act } from "react";
import { createRoot } from "react-dom/client";
import { afterEach } from "vitest";

(globalThis as any).IS_REACT_ACT_ENVIRONMENT = true;

const roots: ReturnType<typeof createRoot>[] = [];

/** Render `el` into a fresh element of the document; unmounted after the test. */
export function render(el: React.ReactElement): HTMLDivElement {
  const div = document.createElement("div");
  document.body.append(div);
  const root = createRoot(div);
  roots.push(root);
  act(() => root.render(el));
  return div;
}

afterEach(() => {
  for (const r of roots.splice(0)) act(() => r.unmount());
  document.body.innerHTML = "";
});

/** A JSON answer, as the host gives it. */
export const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
