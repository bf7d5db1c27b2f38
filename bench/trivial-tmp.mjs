// node trivial.mjs <threads|processes> <count> <reps>
import { Builder } from "@hamilton-ts/kernel";
const [kind, countArg, repsArg] = process.argv.slice(2);
const count = Number(countArg ?? 100000), reps = Number(repsArg ?? 5);
const ex = kind === "threads" ? new (await import("@hamilton-ts/executor-threads")).MultiThreadingExecutor({ maxTasks: 2 }) : new (await import("@hamilton-ts/executor-cluster")).MultiProcessingExecutor({ maxTasks: 2 });
const dr = await new Builder().withModules(new URL("./pipelines/trivial-map-reduce.mjs", import.meta.url)).enableDynamicExecution({ allowExperimentalMode: true }).withRemoteExecutor(ex).build();
await dr.execute(["total"], { inputs: { count } });
const ms = []; const cpu = [];
for (let i = 0; i < reps; i++) { globalThis.gc?.(); const c = process.cpuUsage(); const t = performance.now(); await dr.execute(["total"], { inputs: { count } }); ms.push(performance.now() - t); const d = process.cpuUsage(c); cpu.push((d.user + d.system) / 1000); }
await dr.close();
ms.sort((a, b) => a - b); cpu.sort((a, b) => a - b);
console.log(JSON.stringify({ kind, best: Math.round(ms[0]), median: Math.round(ms[reps >> 1]), cpu: Math.round(cpu[0]) }));
