import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["hamilton-ts:source"] },
  ssr: { resolve: { conditions: ["hamilton-ts:source"] } },
  test: { include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
