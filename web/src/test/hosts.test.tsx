// @vitest-environment jsdom
// Several hosts on one store: a chat that runs on another host says which, and says when that host is offline.
import { describe, expect, it } from "vitest";
import { OwnerBadge } from "../components/Sidebar";
import { render } from "./dom";

describe("a chat's host", () => {
  it("is named when it is another host, with offline when it cannot act", () => {
    const online = render(<OwnerBadge owner={{ id: "h2", name: "build-box", online: true }} thisHost="h1" />);
    expect(online.textContent).toBe("build-box");
    const offline = render(<OwnerBadge owner={{ id: "h2", name: "build-box", online: false }} thisHost="h1" />);
    expect(offline.textContent).toBe("build-box · offline");
    expect(offline.querySelector(".badge")?.getAttribute("title")).toContain("offline");
  });

  it("is not shown for this host's own chats, nor before the page knows which host it talks to", () => {
    expect(render(<OwnerBadge owner={{ id: "h1", name: "me", online: true }} thisHost="h1" />).textContent).toBe("");
    expect(render(<OwnerBadge owner={{ id: "h2", name: "other", online: false }} thisHost={null} />).textContent).toBe("");
    expect(render(<OwnerBadge owner={undefined} thisHost="h1" />).textContent).toBe("");
  });
});
