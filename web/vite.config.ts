/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The host serves dist/ at `/` (see host/src/api/web.rs). `npm run dev` proxies /api and /login to a host on
// CM_HOST (default http://127.0.0.1:8417); open the login link on the dev server's address so the cookie is set there.
//
// The host refuses a Host it does not know (403 host_not_allowed) and a browser Origin that is not exactly its own
// name and port (403 origin_not_allowed; host/src/api/auth.rs). Through this proxy the browser sends
// `Origin: http://localhost:5173` with every POST/PUT/PATCH/DELETE and with the websocket, so the proxy rewrites
// Host (`changeOrigin`) and Origin to the target's: the dev server stands in for the host's own origin.
const target = (globalThis as any).process?.env?.CM_HOST ?? "http://127.0.0.1:8417";
const targetOrigin = new URL(target).origin;

function sameOrigin(proxy: any) {
  const rewrite = (proxyReq: any) => {
    if (proxyReq.getHeader("origin")) proxyReq.setHeader("origin", targetOrigin);
  };
  proxy.on("proxyReq", rewrite);
  proxy.on("proxyReqWs", rewrite);
}

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      "/api": { target, ws: true, changeOrigin: true, configure: sameOrigin },
      "/login": { target, changeOrigin: true, configure: sameOrigin },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
