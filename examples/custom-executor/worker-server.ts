// The worker side: an HTTP server that runs each request's batch with the
// kernel's shared worker loop and answers with the loop's messages.
// `node --import tsx worker-server.ts [port]` prints the URL it listens on.
import { createServer } from "node:http";
import { deserialize, serialize } from "node:v8";
import { WorkerLoop, type BatchMessage, type WorkerSetup } from "@hamilton-ts/kernel/remote";

const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { setup, batch } = deserialize(Buffer.concat(chunks)) as { setup: WorkerSetup; batch: BatchMessage };
    const replies: Buffer[] = [];
    // serializing as the loop sends lets it turn a value that cannot cross into an error naming its node
    const loop = new WorkerLoop({ send: (message) => void replies.push(serialize(message)), checkValue: (v) => void serialize(v) });
    await loop.receive({ type: "setup", id: batch.setup, setup });
    await loop.receive(batch);
    res.end(serialize(replies));
  } catch (error) {
    res.writeHead(500).end(String(error));
  }
});
server.listen(Number(process.argv[2] ?? 0), "127.0.0.1", () => {
  const address = server.address() as { port: number };
  console.log(`http://127.0.0.1:${address.port}/`);
});
