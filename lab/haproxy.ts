// The HAProxy lab (nodeport mode): Debian's haproxy in a load-balancer namespace with the plan's
// file, one namespace per control-plane node answering on the node ports, a client sending
// requests through the load balancer. Faults one at a time; per fault: failed new requests (must
// be none: retries and redispatch cover them), failed requests that were in flight on the dead
// node (counted apart), and how long HAProxy took to mark the server down, beside the bound.
import { spawnSync } from "child_process";
import * as fs from "fs";
import { renderHaproxyBackends, TLS_CERTIFICATE_PATH } from "../lib/haproxyBackends";
import { Daemon, Lab, median, now, printTable, sleep } from "./netns";
import type { HaproxySpec } from "./spec";

/** A new request every 10 ms, each held 100 ms by the node (so some are in flight at any time). */
const PROBE = { intervalMs: 10, flows: 0, timeoutMs: 10_000, holdMs: 100 };
const WARMUP_MS = 1500;
const AFTER_MS = 1500;
const SUBNET = { lb: "10.79.0.2", prefix: 24, node: (i: number) => `10.79.0.${11 + i}` };
const CLIENT = { lb: "198.51.100.1", client: "198.51.100.2", prefix: 24 };

interface Phase {
    fault: string;
    newFailed: number;
    newRequests: number;
    inFlightFailed: number;
    /** Fault to HAProxy's "is DOWN" (or "is UP" for a node coming back), ms. */
    markedMs?: number;
    checked: boolean;
}

export async function haproxyLab(stack: string, spec: HaproxySpec, options: { repeat: number }): Promise<boolean> {
    const lab = new Lab("HAProxy lab", 240);
    const nodes = spec.backends[0].nodes.map((node) => node.node);
    const ports = spec.backends.map((backend) => backend.port);
    const keystone = spec.backends.find((backend) => backend.service === "keystone") ?? spec.backends[0];
    const frontPort = spec.publicEndpoint?.port ?? 5000;
    if (spec.publicEndpoint?.scheme === "https") throw new Error("the lab's client speaks plain http: give the stack an http publicEndpoint");
    console.log(`HAProxy lab, stack ${stack}: ${nodes.length} nodes, node ports ${ports.join(", ")}, keystone through the load balancer's :${frontPort}`);
    console.log(`declared failoverBound: ${spec.failoverBound.derivation}`);

    try {
        // The plan's file as the plan writes it (servers by name), and with the lab's addresses.
        const certificate = selfSignedCertificate(lab);
        const asPlanned = renderHaproxyBackends(spec.backends, stack, { publicEndpoint: spec.publicEndpoint });
        const withAddresses = renderHaproxyBackends(spec.backends.map((backend) => ({
            ...backend, nodes: backend.nodes.map((node, i) => ({ node: node.node, internalIP: SUBNET.node(i) })),
        })), stack, { publicEndpoint: spec.publicEndpoint });
        const files = {
            planned: lab.file("haproxy-planned.cfg", asPlanned.split(TLS_CERTIFICATE_PATH).join(certificate)),
            lab: lab.file("haproxy.cfg", withAddresses.split(TLS_CERTIFICATE_PATH).join(certificate)),
        };
        for (const [what, file] of Object.entries(files)) {
            const check = spawnSync("haproxy", ["-c", "-f", file], { encoding: "utf8" });
            console.log(`haproxy -c, ${what === "planned" ? "the plan's file (servers by name)" : "with the lab's addresses"}: ${check.status === 0 ? "valid" : "INVALID"}`);
            if (check.status !== 0) {
                console.error(check.stdout + check.stderr);
                return false;
            }
        }

        lab.addBridge("sw");
        lab.addNamespace("lb");
        lab.addNamespace("c");
        lab.plug("sw", "p-lb", "lb", "eth0", `${SUBNET.lb}/${SUBNET.prefix}`);
        lab.link("lb", "eth1", `${CLIENT.lb}/${CLIENT.prefix}`, "c", "eth0", `${CLIENT.client}/${CLIENT.prefix}`);
        const nodeNs = nodes.map((_, i) => `n${i + 1}`);
        const responders: Daemon[] = nodeNs.map((ns, i) => {
            lab.addNamespace(ns);
            lab.plug("sw", `p-${ns}`, ns, "eth0", `${SUBNET.node(i)}/${SUBNET.prefix}`);
            return lab.start(`${ns}/responder`, ns, [...lab.script("responder"), nodes[i], ...ports.map(String)]);
        });
        const haproxy = lab.start("lb/haproxy", "lb", ["haproxy", "-db", "-f", files.lab]);
        const state = (node: string, word: "DOWN" | "UP", since: number) =>
            haproxy.lines.find((line) => line.at >= since && line.text.includes(`taco_${keystone.service}/${node} is ${word}`));
        await lab.until("haproxy serving", 15_000, () =>
            lab.sh("c", `curl -s -m 1 -o /dev/null -w '%{http_code}' http://${CLIENT.lb}:${frontPort}${keystone.healthCheck}`, { check: false }).stdout === "200", 200);

        const phases: Phase[] = [];
        const run = async (fault: string, inject: () => void, node: string, word: "DOWN" | "UP") => {
            const prober = lab.probe("c", { host: CLIENT.lb, port: frontPort, path: `${keystone.healthCheck}?hold=${PROBE.holdMs}` }, PROBE);
            await sleep(WARMUP_MS);
            const faultAt = now();
            inject();
            // Requests started while the fault was being put in place count as in flight.
            const faultIn = now();
            const marked = await lab.until(`HAProxy marks ${node} ${word}`, spec.failoverBound.seconds * 1000 + 10_000, () => state(node, word, faultAt), 10)
                .catch(() => undefined);
            await sleep(AFTER_MS);
            const report = await prober.stop();
            const end = now();
            // Unanswered when the prober stopped counts as failed (a request hung on a dead node),
            // except for the last requests, which had no time to be answered.
            const failed = ([start, ms, answer]: [number, number, string]) => ms < 0 && (answer !== "" || start < end - AFTER_MS);
            const measured = report.probes.filter(([start]) => start >= faultAt - WARMUP_MS + 200 && start < end - AFTER_MS);
            const fresh = measured.filter(([start]) => start >= faultIn);
            const phase: Phase = {
                fault, checked: word === "DOWN",
                newRequests: fresh.length,
                newFailed: fresh.filter(failed).length,
                inFlightFailed: measured.filter((probe) => probe[0] < faultIn && failed(probe)).length,
                markedMs: marked && marked.at - faultAt,
            };
            phases.push(phase);
            const reasons = new Map<string, number>();
            for (const [, , answer] of fresh.filter(failed)) reasons.set(answer || "unanswered", (reasons.get(answer || "unanswered") ?? 0) + 1);
            if (reasons.size) console.log(`    failed new requests: ${[...reasons].map(([why, count]) => `${why} × ${count}`).join(", ")}`);
            console.log(`  ${fault.padEnd(34)} ${node}: marked ${word} after ${phase.markedMs === undefined ? "NEVER" : `${Math.round(phase.markedMs)} ms`},`
                + ` new requests failed ${phase.newFailed}/${phase.newRequests}, in-flight failed ${phase.inFlightFailed}`);
            if (marked) console.log(`    haproxy: ${marked.text.replace(/^.*?(Server )/, "$1").slice(0, 110)}`);
        };

        for (let rep = 0; rep < options.repeat; rep++) {
            const i = rep % nodes.length;
            const ns = nodeNs[i];
            // With externalTrafficPolicy Local a node without its pod drops node-port packets.
            await run("API pod gone (node port drops)", () => {
                lab.sh(ns, `nft add table inet pod && nft add chain inet pod in '{ type filter hook input priority 0; }'`
                    + ` && nft add rule inet pod in tcp dport '{ ${ports.join(", ")} }' drop`);
                responders[i].child.kill("SIGKILL");
            }, nodes[i], "DOWN");
            await run("node back (pod running)", () => {
                responders[i] = lab.start(`${ns}/responder`, ns, [...lab.script("responder"), nodes[i], ...ports.map(String)]);
                lab.sh(ns, "nft delete table inet pod");
            }, nodes[i], "UP");
            await run("link down", () => lab.sh("sw", `ip link set p-${ns} down`), nodes[i], "DOWN");
            await run("node back (link up)", () => lab.sh("sw", `ip link set p-${ns} up`), nodes[i], "UP");
        }
        return report(spec, phases);
    } finally {
        lab.cleanup();
    }
}

function report(spec: HaproxySpec, phases: Phase[]): boolean {
    const bound = spec.failoverBound.seconds * 1000;
    const faults = [...new Set(phases.map((phase) => phase.fault))];
    const rows = faults.map((fault) => {
        const runs = phases.filter((phase) => phase.fault === fault);
        const marked = runs.map((phase) => phase.markedMs ?? Infinity);
        const newFailed = runs.reduce((sum, phase) => sum + phase.newFailed, 0);
        const mid = median(marked) ?? Infinity;
        const failures = [
            ...(newFailed > 0 ? ["new requests failed"] : []),
            ...(marked.some((ms) => ms === Infinity) ? ["never marked"] : []),
            ...(runs[0].checked && mid > bound ? ["mark-down over bound"] : []),
        ];
        return {
            failed: failures.length > 0,
            cells: [fault, String(runs.length),
                `${newFailed}/${runs.reduce((sum, phase) => sum + phase.newRequests, 0)}`,
                String(runs.reduce((sum, phase) => sum + phase.inFlightFailed, 0)),
                `${runs[0].checked ? "down" : "up"} after ${Math.round(mid)} ms (max ${Math.round(Math.max(...marked))})`,
                runs[0].checked ? `${spec.failoverBound.seconds} s` : "-",
                failures.length ? `FAIL: ${failures.join(", ")}` : "ok"],
        };
    });
    console.log(`\nHAProxy failover: a new request every ${PROBE.intervalMs} ms, each held ${PROBE.holdMs} ms by the node; medians over runs\n`);
    printTable(["fault", "runs", "new requests failed", "in-flight requests failed (dead node)", "HAProxy marked the server", "failoverBound", "verdict"],
        rows.map((row) => row.cells));
    console.log(`\nfailoverBound: ${spec.failoverBound.derivation}`);
    return !rows.some((row) => row.failed);
}

/** A throw-away certificate for the https front end (PEM: certificate, then key). */
function selfSignedCertificate(lab: Lab): string {
    const key = lab.file("tls.key", "");
    const cert = lab.file("tls.crt", "");
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=taco-lab", "-days", "1", "-keyout", key, "-out", cert],
        { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    return lab.file("taco.pem", fs.readFileSync(cert, "utf8") + fs.readFileSync(key, "utf8"));
}
