/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The host serves dist/ at `/` (see host/src/api/web.rs). `npm run dev` proxies /api and /login to a host on
// CM_HOST (default http://127.0.0.1:8417); open the login link on the dev server's port so the cookie is set there.
const target = (globalThis as any).process?.env?.CM_HOST ?? "http://127.0.0.1:8417";

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
      "/api": { target, ws: true, changeOrigin: true },
      "/login": { target, changeOrigin: true },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
