// A small HTTP server on $PORT, as a web process under any Procfile manager.
import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 5000);
const server = createServer((request, response) => {
  console.log(`${request.method} ${request.url}`);
  response.end(`${process.env.GREETING ?? "Hello"} (${process.env.PS})\n`);
});
server.listen(port, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
process.on("SIGTERM", () => {
  console.log("SIGTERM received, closing the server");
  server.close(() => process.exit(0));
});
