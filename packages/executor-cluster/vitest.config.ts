import { defineConfig } from "vitest/config";

// Two projects: everything against BullMQ 5 (the devDependency "bullmq"), and the
// BullMQ tests again against BullMQ 6 (the "bullmq6" alias). Worker processes the
// tests spawn pick the same major through HAMILTON_BULLMQ (test/fixtures/bullmq-major.mjs).
export default defineConfig({
  resolve: { conditions: ["hamilton-ts:source"] },
  ssr: { resolve: { conditions: ["hamilton-ts:source"] } },
  test: {
    projects: [
      { extends: true, test: { name: "bullmq5", include: ["src/**/*.test.ts", "test/**/*.test.ts"] } },
      {
        extends: true,
        resolve: { alias: [{ find: /^bullmq(\/.*)?$/, replacement: "bullmq6$1" }] },
        test: { name: "bullmq6", include: ["test/bullmq-*.test.ts"], env: { HAMILTON_BULLMQ: "6" } },
      },
    ],
  },
});
