// @vitest-environment jsdom
// The composer of a chat opened by its address: a message typed and sent before the chat finished loading goes to
// the host (a test pressed Enter right after the page connected, and the message stayed in the box, unsent).
import { act } from "react";
import { expect, it } from "vitest";
import { setFetcher } from "../api/client";
import { ChatPage } from "../components/Chat";
import { store } from "../lib/store";
import { json, render } from "./dom";

it("sends a message typed while the chat is still loading", async () => {
  const sent: { url: string; body: any }[] = [];
  setFetcher(async (url, init) => {
    if (String(init?.method ?? "GET") === "POST") {
      sent.push({ url: String(url), body: JSON.parse(String(init!.body)) });
      return json({ sessionId: "s1", turnId: "t1", replayed: false }, 202);
    }
    return new Promise<Response>(() => undefined); // every read still on its way
  });
  store.sessions = [];
  store.chat = null;
  const div = render(<ChatPage sessionId="s1" />);
  expect(store.chat?.loading).toBe(true);
  expect(store.chat?.session).toBeNull();

  const box = div.querySelector<HTMLTextAreaElement>("#composer-input")!;
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value")!.set!.call(box, "Add a parser");
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await act(async () => {
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
  });
  expect(sent.map((c) => [c.url.replace(/^https?:\/\/[^/]+/, ""), c.body.text])).toEqual([["/api/sessions/s1/messages", "Add a parser"]]);
  expect(box.value).toBe("");
  store.chat = null;
});
