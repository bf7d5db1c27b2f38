// The shared scenarios now ship in the kernel's testing entry (src/testing/):
// this file keeps the old import path working for the repository's tests.
export { scenarios } from "../../src/testing/scenarios.ts";
