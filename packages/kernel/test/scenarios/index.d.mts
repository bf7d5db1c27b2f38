/** One shared scenario: modules by location, the request, and the expected outputs. */
export interface Scenario {
  name: string;
  modules: URL[];
  config?: Record<string, unknown>;
  finalVars: string[];
  inputs?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  expected: Record<string, unknown>;
}
export declare const scenarios: Scenario[];
