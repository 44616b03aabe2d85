// What the UI says about the codex the host runs, from the host's own verdicts in /api/ready: the release's support
// and the drift guard's report. Nothing here judges versions itself.
import type { Ready } from "../api/types";

export type CodexNotice = {
  /** Which verdict speaks: the drift guard (parts are off) or the release being outside the supported range. */
  cause: "drift" | "incompatible";
  text: string;
  /** The methods the host turned off or declines, for the banner's list. */
  off: string[];
};

export function codexNotice(ready: Ready | null | undefined): CodexNotice | null {
  if (!ready) return null;
  const running = ready.codex.running ?? "?";
  const broken = ready.protocol.violations.filter((v) => v.effect !== "degraded");
  if (ready.protocol.violations.length > 0) {
    const off = [...new Set(broken.map((v) => v.method))];
    const what = off.length > 0 ? `off until it is: ${off.join(", ")}; the rest works.` : "the host may misread some of its messages.";
    const advice = ready.codex.advice ? ` ${ready.codex.advice}` : "";
    return {
      cause: "drift",
      text: `codex ${running} changed what Codex Manager relies on (${ready.protocol.violations.length} facts, see /api/ready): ${what}${advice}`,
      off,
    };
  }
  if (ready.codex.support === "incompatible" && ready.codex.advice) return { cause: "incompatible", text: ready.codex.advice, off: [] };
  return null;
}
