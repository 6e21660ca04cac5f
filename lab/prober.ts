// The client: opens a new TCP connection every `interval` ms (one HTTP request each) and holds
// `flows` long-lived keep-alive connections that each ask every 50 ms, recording which node
// answered. On SIGTERM it prints one JSON line (ProbeReport) and exits.
//   prober.ts <host> <port> <path> <interval ms> <flows> <timeout ms>
import * as net from "net";

export interface ProbeReport {
    /** Per new connection: start (epoch ms), milliseconds to the answer or -1, answering node or error. */
    probes: [number, number, string][];
    /** Per long-lived flow: the node it was on, and when (epoch ms) it broke, if it did. */
    flows: { node: string; brokenAt?: number; why?: string }[];
}

const clock = () => performance.timeOrigin + performance.now();

/** Reads HTTP/1.1 responses (Content-Length bodies) off a socket; calls back with each body. */
function responses(socket: net.Socket, onBody: (status: number, body: string) => void): void {
    let buffer = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
        buffer += chunk;
        for (;;) {
            const end = buffer.indexOf("\r\n\r\n");
            if (end < 0) return;
            const head = buffer.slice(0, end);
            const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
            if (buffer.length < end + 4 + length) return;
            const status = Number(head.split(" ")[1]);
            onBody(status, buffer.slice(end + 4, end + 4 + length).trim());
            buffer = buffer.slice(end + 4 + length);
        }
    });
}

function main(): void {
    const [host, portText, path, intervalText, flowsText, timeoutText] = process.argv.slice(2);
    const port = Number(portText);
    const timeout = Number(timeoutText);
    const request = (keepAlive: boolean) =>
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`;
    const report: ProbeReport = { probes: [], flows: [] };

    const probe = () => {
        const start = clock();
        const entry: [number, number, string] = [start, -1, ""];
        report.probes.push(entry);
        const socket = net.connect({ host, port });
        const finish = (node: string, ok: boolean) => {
            if (entry[2]) return;
            entry[1] = ok ? clock() - start : -1;
            entry[2] = node;
            socket.destroy();
        };
        socket.setTimeout(timeout, () => finish("timeout", false));
        socket.on("error", (error: NodeJS.ErrnoException) => finish(error.code ?? "error", false));
        socket.on("close", () => finish("closed", false));
        socket.on("connect", () => socket.write(request(false)));
        responses(socket, (status, body) => finish(status === 200 ? body : `status ${status}`, status === 200));
    };

    const flow = () => {
        const state: ProbeReport["flows"][number] = { node: "" };
        report.flows.push(state);
        const socket = net.connect({ host, port });
        let asked = 0;
        const broken = (why: string) => {
            if (state.brokenAt !== undefined) return;
            state.brokenAt = clock();
            state.why = why;
            socket.destroy();
        };
        const ask = () => {
            if (state.brokenAt !== undefined) return;
            asked = clock();
            socket.write(request(true));
        };
        socket.on("connect", ask);
        socket.on("error", (error: NodeJS.ErrnoException) => broken(error.code ?? "error"));
        socket.on("close", () => broken("closed"));
        responses(socket, (status, body) => {
            if (status !== 200) return broken(`status ${status}`);
            if (!state.node) state.node = body;
            else if (body !== state.node) return broken(`moved to ${body}`);
            asked = 0;
            setTimeout(ask, 50);
        });
        setInterval(() => {
            if (asked && clock() - asked > timeout) broken("timeout");
        }, 20).unref();
    };

    for (let i = 0; i < Number(flowsText); i++) flow();
    const timer = setInterval(probe, Number(intervalText));
    process.on("SIGTERM", () => {
        clearInterval(timer);
        process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
    });
}

if (require.main === module) main();
