// A node's stand-in for the API pod: answers every HTTP request with 200 and the node's name, on
// each given port. `?hold=<ms>` delays the answer (so the HAProxy lab has requests in flight).
//   responder.ts <node name> <port>...
import * as http from "http";

const [name, ...ports] = process.argv.slice(2);
for (const port of ports.map(Number)) {
    const server = http.createServer((request, response) => {
        const hold = Number(new URL(request.url ?? "/", "http://x").searchParams.get("hold") ?? 0);
        const body = `${name}\n`;
        setTimeout(() => response.writeHead(200, { "content-type": "text/plain", "content-length": Buffer.byteLength(body) }).end(body), hold);
    });
    server.keepAliveTimeout = 600_000;
    server.listen(port, () => console.log(`listening ${port}`));
}
