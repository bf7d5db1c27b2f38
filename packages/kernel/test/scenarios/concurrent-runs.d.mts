/** The concurrency suite's pipeline: the outputs of a successful run of `report` and `tag`. */
export declare function _expectedOf(run: { seed: number; n: number }): { report: string; tag: string };
