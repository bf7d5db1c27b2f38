/** Help texts, one per command. */
export const HELP = {
  main: `hamilton-ts — run Hamilton-style dataflow pipelines written in JavaScript or TypeScript

Usage:
  hamilton-ts <command> [options]

Commands:
  run <module…>      compute outputs of a pipeline and print or write them
  viz <module…>      draw the graph, or the path to some outputs (DOT, SVG, PNG)
  worker             serve tasks from a BullMQ queue (distributed executor)

Options:
  -h, --help         show help (also: hamilton-ts <command> --help)
  -v, --version      print the version

Exit codes: 0 ok · 1 a node failed · 2 bad usage, module, input or output · 130 interrupted
`,
  run: `Usage:
  hamilton-ts run <module…> --outputs a,b [options]

Modules are .js, .mjs or .ts files (TypeScript runs through tsx, in workers too).

Options:
  -O, --outputs a,b         nodes to compute (required; repeatable)
      --inputs file.json    inputs from a JSON object
  -i, --input k=v           one input (repeatable); values are JSON when they parse, else text
  -c, --config k=v          config (repeatable): selects configWhen variants; values are inputs too
      --override k=v        replace a node's value (repeatable); what only it needed is not computed
  -e, --executor kind       where parallel branches run: sync | concurrent (default) | threads |
                            processes | bullmq
  -j, --max-tasks N         at most N branch tasks at once
      --redis url           Redis for --executor bullmq (redis://host:port)
      --queue name          BullMQ queue for --executor bullmq
  -r, --result kind         dict (default, printed as JSON) | dataframe | arrow (printed as a table)
  -o, --out file            also write the result: .json, .csv or .arrow
      --cache [dir]         cache results in dir (default .hamilton-cache): a re-run computes only
                            what changed or failed (needs @hamilton-ts/cache)
  -q, --quiet               no progress display
      --verbose             stack traces on errors
  -h, --help                show this help

Progress goes to stderr (a live line on a terminal, log lines otherwise); the result to stdout.

Examples:
  hamilton-ts run examples/word-count/pipeline.mjs --outputs total_words --executor threads
  hamilton-ts run pipeline.ts -O file,words -r dataframe -o words.csv
  hamilton-ts run pipeline.mjs -O model --cache
`,
  viz: `Usage:
  hamilton-ts viz <module…> [--outputs a,b] [--format dot|svg|png] [-o file]

Draws the whole graph, or with --outputs the nodes that computing them runs:
inputs dashed, overrides yellow, requested outputs green, parallelizable nodes as
parallelograms, parallel blocks as clusters and collect edges bold.

Options:
  -O, --outputs a,b         draw the execution path of these outputs
  -f, --format fmt          dot | svg | png (default: from -o's extension, else dot)
  -o, --out file            write to a file (default: stdout; PNG needs a file or a pipe)
  -c, --config k=v          config (repeatable)
  -i, --input k=v           inputs to mark as given (repeatable); --inputs file.json
      --override k=v        overrides to mark (repeatable)
      --verbose             stack traces on errors
  -h, --help                show this help

SVG is rendered in process by Graphviz compiled to WebAssembly: no system tool needed.
PNG needs Graphviz's \`dot\` installed (HAMILTON_TS_DOT names another binary, for SVG too).
`,
  worker: `Usage:
  hamilton-ts worker --redis redis://host:port --queue name --module ./pipeline.js [options]

Serves tasks that a driver with --executor bullmq (BullMQExecutor) puts on the queue.
Start one or more on each machine. The modules are the ones this worker may run: one
worker serves every pipeline built from them, each job with its driver's config.

Options:
      --redis url           Redis to connect to (required)
      --queue name          queue name (required)
  -m, --module path         pipeline module it may run (repeatable; positional modules work too)
  -c, --config k=v          pin the config (repeatable): refuse jobs built with another one
      --concurrency N       jobs this worker runs at once, each in a thread (default 1)
      --verbose             stack traces on errors
  -h, --help                show this help

Stop with Ctrl-C (SIGINT) or SIGTERM: running tasks finish first.
`,
} as const;
