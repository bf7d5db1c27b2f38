import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["hamilton-ts:source"] },
  ssr: { resolve: { conditions: ["hamilton-ts:source"] } },
  // each test spawns the command (a Node start, danfo loads in ~1 s): generous hang guards, not speed checks
  test: { include: ["src/**/*.test.ts", "test/**/*.test.ts"], testTimeout: 30_000 },
});
