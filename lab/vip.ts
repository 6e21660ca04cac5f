// The VIP failover lab: a router namespace and one namespace per node on a bridge (itself in a
// namespace), a client namespace behind the router, an HTTP responder per node on the VIP, and a
// prober in the client. Faults one at a time; the outage each causes is measured from the client.
import * as fs from "fs";
import * as path from "path";
import { Frr, speakerConf } from "./frr";
import { Lab, median, now, printTable, sleep } from "./netns";
import { LAB_NODE_INTERFACE, VipSpec } from "./spec";

/** A new connection every 10 ms, each failed when unanswered after 500 ms; 24 long-lived flows. */
const PROBE = { intervalMs: 10, timeoutMs: 500, flows: 24 };
const WARMUP_MS = 1500;
const AFTER_MS = 1500;
const CLIENT = { router: "198.51.100.1", client: "198.51.100.2", prefix: 24 };
const SCRIPTS = path.resolve(__dirname, "..", "vip");

interface Phase {
    fault: string;
    /** The node the fault hits (its flows are expected to break), if any. */
    node?: string;
    /** Outage for new connections: from the fault to the last failed probe, plus one interval (ms). */
    outageMs: number;
    failedProbes: number;
    probes: number;
    healthyBroken: number;
    healthyFlows: number;
    failedNodeBroken: number;
    resumed: boolean;
    /** Checked against the declared bound (false for phases shown for comparison only). */
    checked: boolean;
    note?: string;
    /** Routed: fault to the router's route without the failed node's next hop (ms). */
    withdrawnMs?: number;
}

/** What a fault reports besides the traffic: a note, and in routed mode when the router reacted. */
type Injected = { note?: string; withdrawnMs?: number } | void;

interface Net {
    prefix: number;
    router: string;
    nodes: string[];
}

export interface VipLabOptions {
    repeat: number;
}

export async function vipLab(spec: VipSpec, options: VipLabOptions): Promise<boolean> {
    const lab = new Lab(`VIP lab (${spec.mode})`, 300);
    const net = addressing(spec);
    console.log(`VIP ${spec.address}, mode ${spec.mode}, from ${spec.source}`);
    console.log(`declared failoverBound: ${spec.failoverBound.derivation}`);
    console.log(`lab: router ${net.router}/${net.prefix}, nodes ${spec.nodes.map((node, i) => `${node}=${net.nodes[i]}`).join(" ")}, client ${CLIENT.client}`);
    const nodeNs = spec.nodes.map((_, i) => `n${i + 1}`);

    // Topology. The bridge lives in namespace "sw"; nothing is created in the root namespace.
    lab.addBridge("sw");
    lab.addNamespace("r");
    lab.addNamespace("c");
    lab.plug("sw", "p-r", "r", "eth0", `${net.router}/${net.prefix}`);
    lab.link("r", "eth1", `${CLIENT.router}/${CLIENT.prefix}`, "c", "eth0", `${CLIENT.client}/${CLIENT.prefix}`);
    lab.sh("c", `ip route add default via ${CLIENT.router}`);
    // Forwarding, and an L4 multipath hash so one client's connections spread over the nodes.
    lab.sh("r", "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1");
    nodeNs.forEach((ns, i) => {
        lab.addNamespace(ns);
        lab.plug("sw", `p-${ns}`, ns, LAB_NODE_INTERFACE, `${net.nodes[i]}/${net.prefix}`);
        lab.sh(ns, `ip route add default via ${net.router}`);
        // A /32 held on lo must not be answered for on eth0 (routed mode).
        lab.sh(ns, "sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2");
        lab.start(`${ns}/responder`, ns, [...lab.script("responder"), spec.nodes[i], "80"]);
    });

    const phases: Phase[] = [];
    const run = async (fault: string, node: string | undefined, inject: () => Promise<Injected>, checked = true) => {
        const phase = await measure(lab, spec, fault, node, inject, checked);
        phases.push(phase);
        const healthy = `${phase.healthyBroken}/${phase.healthyFlows}`;
        console.log(`  ${fault.padEnd(44)} outage ${String(Math.round(phase.outageMs)).padStart(6)} ms  failed probes ${phase.failedProbes}/${phase.probes}`
            + `  healthy-node flows broken ${healthy}${phase.resumed ? "" : "  TRAFFIC DID NOT RESUME"}`
            + `${phase.withdrawnMs === undefined ? "" : `  (router withdrew the next hop after ${Math.round(phase.withdrawnMs)} ms)`}${phase.note ? `  (${phase.note})` : ""}`);
    };

    try {
        if (spec.mode === "routed") await routed(lab, spec, net, nodeNs, options, run);
        else if (spec.mode === "interface") await interfaceMode(lab, spec, nodeNs, options, run);
        else await l2(lab, spec, nodeNs, options, run);
    } finally {
        lab.cleanup();
    }
    return report(spec, phases);
}

type Runner = (fault: string, node: string | undefined, inject: () => Promise<Injected>, checked?: boolean) => Promise<void>;

async function routed(lab: Lab, spec: VipSpec, net: Net, nodeNs: string[], options: VipLabOptions, run: Runner): Promise<void> {
    const speaker = spec.speaker && { ...spec.speaker, peerAddress: net.router };
    if (!speaker || !spec.routerConf) throw new Error("routed mode needs the BGPPeer/BFDProfile and the router's frr.conf");
    const router = new Frr(lab, "r", spec.routerConf);
    await router.start();
    const speakers = nodeNs.map((ns, i) => {
        lab.sh(ns, `ip addr add ${spec.address}/32 dev lo`);
        return new Frr(lab, ns, speakerConf(spec.nodes[i], speaker, spec.address));
    });
    await Promise.all(speakers.map((speaker) => speaker.start()));
    const nextHops = () => {
        const route = lab.sh("r", `ip route show ${spec.address}/32`, { check: false }).stdout;
        return net.nodes.filter((address) => route.includes(`via ${address} `));
    };
    const waitFor = (what: string, limitMs: number, test: (hops: string[]) => boolean) =>
        lab.until(`router: ${what}`, limitMs, () => test(nextHops()), 20);
    // A fault must find BFD up on every session, or detection falls back to the hold time.
    const bfdUp = () => {
        if (!speaker.bfd) return true;
        const peers = JSON.parse(router.vtysh("show bfd peers json") || "[]") as { peer: string; status: string }[];
        return net.nodes.every((address) => peers.some((peer) => peer.peer === address && peer.status === "up"));
    };
    const restored = async (i: number) => {
        await waitFor(`${spec.nodes[i]} back`, 60_000, (hops) => hops.length === net.nodes.length);
        await lab.until("BFD up with every node", 30_000, bfdUp, 50);
    };
    await waitFor("ECMP route over every node", 60_000, (hops) => hops.length === net.nodes.length);
    await lab.until("BFD up with every node", 30_000, bfdUp, 50);
    console.log(`router: ${spec.address}/32 over ${net.nodes.length} next hops${speaker.bfd ? ", BFD up with every node" : ", no BFD"}`);

    const withdrawn = async (i: number) => {
        const from = now();
        await waitFor(`${spec.nodes[i]} withdrawn`, 30_000, (hops) => !hops.includes(net.nodes[i]));
        return { withdrawnMs: now() - from };
    };
    for (let rep = 0; rep < options.repeat; rep++) {
        const i = rep % nodeNs.length;
        const node = spec.nodes[i];
        for (const signal of ["SIGTERM", "SIGKILL"] as const) {
            const fault = signal === "SIGTERM" ? "FRR stopped (SIGTERM)" : "FRR killed (SIGKILL bgpd, bfdd, zebra)";
            await run(fault, node, async () => {
                await speakers[i].stop(signal);
                return withdrawn(i);
            });
            await run("node back (FRR started)", node, async () => {
                await speakers[i].start();
                await restored(i);
            });
        }
        await run("link down", node, async () => {
            lab.sh("sw", `ip link set p-${nodeNs[i]} down`);
            return withdrawn(i);
        });
        await run("node back (link up)", node, async () => {
            lab.sh("sw", `ip link set p-${nodeNs[i]} up`);
            await restored(i);
        });
    }
}

async function interfaceMode(lab: Lab, spec: VipSpec, nodeNs: string[], options: VipLabOptions, run: Runner): Promise<void> {
    const dev = spec.interface;
    if (dev !== LAB_NODE_INTERFACE) {
        throw new Error(`interface mode: the program gives its scripts VIP_INTERFACE=${dev}, the lab's nodes have ${LAB_NODE_INTERFACE}; --vip interface sets it`);
    }
    const busybox = busyboxPath(lab);
    const script = (ns: string, name: "claim" | "release", timeout = 10, variant?: string) => {
        const started = now();
        // PATH is set inside the namespace only: `ip netns exec` itself needs iproute2's ip.
        const result = lab.sh(ns, `${variant ? `PATH=${variant} ` : ""}sh ${path.join(SCRIPTS, `${name}.sh`)}`, {
            check: false, timeoutMs: (timeout + 10) * 1000,
            env: { VIP_ADDRESS: spec.address, VIP_INTERFACE: dev, VIP_DAD_TIMEOUT_SECONDS: String(timeout) },
        });
        return { ...result, ms: now() - started };
    };
    const holds = (ns: string) => lab.sh(ns, `ip -4 addr show dev ${dev}`).stdout.includes(`inet ${spec.address}/32`);
    const must = (ok: boolean, what: string) => {
        if (!ok) throw new Error(`interface mode: ${what}`);
    };
    must(script(nodeNs[0], "claim").status === 0 && holds(nodeNs[0]), `claim on ${spec.nodes[0]} failed`);
    let holder = 0;
    for (let rep = 0; rep < options.repeat; rep++) {
        for (const [tools, pathVar] of [["iproute2/iputils", undefined], ["busybox", busybox]] as const) {
            const next = (holder + 1) % nodeNs.length;
            await run(`move: release on one node, claim on another (${tools})`, spec.nodes[holder], async () => {
                must(script(nodeNs[holder], "release", 10, pathVar).status === 0 && !holds(nodeNs[holder]), "release failed");
                const claim = script(nodeNs[next], "claim", 10, pathVar);
                must(claim.status === 0 && holds(nodeNs[next]), `claim on ${spec.nodes[next]} failed: ${claim.stderr}`);
                return { note: `claim took ${Math.round(claim.ms)} ms` };
            });
            holder = next;
        }
    }
    // A pod that died without its preStop: its node still holds the address.
    const other = (holder + 1) % nodeNs.length;
    const refused = script(nodeNs[other], "claim", 2);
    const duplicate = holds(nodeNs[other]);
    console.log(`  claim on ${spec.nodes[other]} while ${spec.nodes[holder]} still holds ${spec.address}: exit ${refused.status} after ${Math.round(refused.ms)} ms,`
        + ` ${duplicate ? "DUPLICATE ADDRESS ADDED" : "no duplicate"}`);
    must(refused.status !== 0 && !duplicate, "claim must wait, fail non-zero and add nothing while another node holds the address");
    for (const [tools, pathVar] of [["busybox", busybox]] as const) {
        const bb = script(nodeNs[other], "claim", 2, pathVar);
        must(bb.status !== 0 && !holds(nodeNs[other]), `the same with ${tools}: exit ${bb.status}`);
        console.log(`  the same with ${tools}: exit ${bb.status}, no duplicate`);
    }
    // A claim that is already waiting when the old holder goes away (node lost: its link goes
    // down) succeeds within its wait.
    const waiting = lab.start(`${nodeNs[other]}/claim`, nodeNs[other], ["sh", path.join(SCRIPTS, "claim.sh")],
        { VIP_ADDRESS: spec.address, VIP_INTERFACE: dev, VIP_DAD_TIMEOUT_SECONDS: "20" });
    await sleep(1000);
    must(!holds(nodeNs[other]), "a waiting claim added the address while the old holder still answers");
    await run("old holder lost (link down) while a claim waits", spec.nodes[holder], async () => {
        const lost = now();
        lab.sh("sw", `ip link set p-${nodeNs[holder]} down`);
        const status = await waiting.exited;
        must(status === 0 && holds(nodeNs[other]), `the waiting claim failed after the old holder left: exit ${status}`
            + `\n${waiting.lines.map((line) => line.text).join("\n")}`);
        return { note: `the waiting claim succeeded ${Math.round(now() - lost)} ms after the old holder was lost` };
    });
    // The partitioned node still holds the address (split brain) until its pod is gone for good.
    script(nodeNs[holder], "release");
    lab.sh("sw", `ip link set p-${nodeNs[holder]} up`);
}

async function l2(lab: Lab, spec: VipSpec, nodeNs: string[], options: VipLabOptions, run: Runner): Promise<void> {
    // MetalLB's speaker answers ARP for the VIP on the elected node; the lab holds it on the node's interface there.
    const dev = LAB_NODE_INTERFACE;
    const hold = (ns: string, garp: boolean) => lab.sh(ns, `ip addr add ${spec.address}/32 dev ${dev}`
        + (garp ? ` && arping -U -c 1 -I ${dev} ${spec.address} >/dev/null` : ""));
    hold(nodeNs[0], true);
    let holder = 0;
    const move = async (garp: boolean, checked: boolean) => {
        const next = (holder + 1) % nodeNs.length;
        const failed = holder;
        await run(`node lost, VIP moves ${garp ? "with" : "WITHOUT"} gratuitous ARP`, spec.nodes[failed], async () => {
            lab.sh("sw", `ip link set p-${nodeNs[failed]} down`);
            lab.sh(nodeNs[failed], `ip addr del ${spec.address}/32 dev ${dev}`);
            hold(nodeNs[next], garp);
            if (!garp) await waitForTraffic(lab, spec, 90_000);
            return { note: "memberlist detection not emulated: the move starts at once" };
        }, checked);
        lab.sh("sw", `ip link set p-${nodeNs[failed]} up`);
        holder = next;
    };
    for (let rep = 0; rep < options.repeat; rep++) await move(true, true);
    await move(false, false);
}

/** Waits until a fresh connection from the client to the VIP is answered (bounded). */
async function waitForTraffic(lab: Lab, spec: VipSpec, limitMs: number): Promise<void> {
    await lab.until("traffic to the VIP", limitMs,
        () => lab.sh("c", `curl -s -m 0.5 http://${spec.address}/`, { check: false }).status === 0, 200);
}

async function measure(lab: Lab, spec: VipSpec, fault: string, node: string | undefined, inject: () => Promise<Injected>, checked: boolean): Promise<Phase> {
    const prober = lab.probe("c", { host: spec.address, port: 80, path: "/" }, PROBE);
    await sleep(WARMUP_MS);
    const faultAt = now();
    const injected = await inject() || {};
    await sleep(AFTER_MS);
    const end = now();
    const report = await prober.stop();
    const decided = report.probes.filter(([start, , answer]) => answer !== "" && start >= faultAt - WARMUP_MS + 200);
    const failures = decided.filter(([start, ms]) => ms < 0 && start >= faultAt - PROBE.timeoutMs);
    // From the fault to the last connection that failed (the first ones may hash to healthy nodes).
    const outageMs = failures.length === 0 ? 0 : Math.max(0, failures[failures.length - 1][0] - faultAt) + PROBE.intervalMs;
    const tail = decided.filter(([start]) => start >= end - 1000 && start < end - PROBE.timeoutMs);
    const flows = report.flows.filter((flow) => flow.node && (flow.brokenAt === undefined || flow.brokenAt >= faultAt));
    const healthy = flows.filter((flow) => flow.node !== node);
    return {
        fault, node, outageMs, checked,
        failedProbes: failures.length,
        probes: decided.filter(([start]) => start >= faultAt).length,
        healthyBroken: healthy.filter((flow) => flow.brokenAt !== undefined).length,
        healthyFlows: healthy.length,
        failedNodeBroken: flows.filter((flow) => flow.node === node && flow.brokenAt !== undefined).length,
        resumed: tail.length > 0 && tail.every(([, ms]) => ms >= 0),
        note: injected.note, withdrawnMs: injected.withdrawnMs,
    };
}

function report(spec: VipSpec, phases: Phase[]): boolean {
    const bound = spec.failoverBound.seconds * 1000;
    const faults = [...new Set(phases.map((phase) => phase.fault))];
    const rows = faults.map((fault) => {
        const runs = phases.filter((phase) => phase.fault === fault);
        const outages = runs.map((phase) => phase.outageMs);
        const healthy = runs.reduce((sum, phase) => sum + phase.healthyBroken, 0);
        const healthyFlows = runs.reduce((sum, phase) => sum + phase.healthyFlows, 0);
        const mid = median(outages) ?? 0;
        const resumed = runs.every((phase) => phase.resumed);
        const verdict = !resumed ? "FAIL: traffic did not resume" : !runs[0].checked ? "shown, not checked" : mid > bound ? "FAIL: over bound" : "ok";
        return {
            failed: !resumed || (runs[0].checked && mid > bound),
            cells: [fault, String(runs.length), `${Math.round(mid)} ms (max ${Math.round(Math.max(...outages))})`,
                `${healthy}/${healthyFlows} (${healthyFlows ? Math.round((100 * healthy) / healthyFlows) : 0}%)`,
                `${runs.reduce((sum, phase) => sum + phase.failedNodeBroken, 0)}`, withdrawnCell(runs), `${spec.failoverBound.seconds} s`, verdict],
        };
    });
    console.log(`\nVIP failover, mode ${spec.mode} (${spec.source}); new TCP connection every ${PROBE.intervalMs} ms from the client,`
        + ` failed when unanswered after ${PROBE.timeoutMs} ms; ${PROBE.flows} long-lived flows; medians over runs\n`);
    printTable(["fault", "runs", "outage, flows on the failed node (median)", "flows broken on healthy nodes", "flows broken on the failed node",
        "router withdrew the node (median)", "failoverBound", "verdict"],
        rows.map((row) => row.cells));
    console.log(`\nfailoverBound: ${spec.failoverBound.derivation}`);
    return !rows.some((row) => row.failed);
}

function withdrawnCell(runs: Phase[]): string {
    const times = runs.flatMap((phase) => phase.withdrawnMs === undefined ? [] : [phase.withdrawnMs]);
    return times.length === 0 ? "-" : `${Math.round(median(times) ?? 0)} ms (max ${Math.round(Math.max(...times))})`;
}

/** The lab's addresses: the plan's node subnet and router address where the program gives them. */
function addressing(spec: VipSpec): Net {
    const listen = spec.routerConf && /bgp listen range (\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(spec.routerConf);
    const base = listen ? listen[1] : spec.address.replace(/\.\d+$/, ".0");
    const prefix = listen ? Number(listen[2]) : 24;
    if (prefix > 27) throw new Error(`node subnet /${prefix} is too small for the lab`);
    const host = (n: number) => intToIp(ipToInt(base) + n);
    // The router sits on the BGPPeer's peerAddress when it lies in the node subnet; otherwise the
    // lab puts it on the subnet and gives the node speakers that address instead.
    const size = 2 ** (32 - prefix);
    const inSubnet = (ip: string) => ipToInt(ip) > ipToInt(base) && ipToInt(ip) < ipToInt(base) + size - 1;
    const peer = spec.speaker?.peerAddress;
    const router = peer && inSubnet(peer) ? peer : spec.address === host(1) ? host(2) : host(1);
    if (peer && router !== peer) console.log(`lab: the router's address ${peer} is outside ${base}/${prefix}; the lab's router is ${router}`);
    const nodes: string[] = [];
    for (let n = 11; nodes.length < spec.nodes.length; n++) if (![router, spec.address].includes(host(n))) nodes.push(host(n));
    return { prefix, router, nodes };
}

const ipToInt = (ip: string) => ip.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
const intToIp = (n: number) => [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join(".");

/** A directory whose `ip` and `arping` are busybox's, for running the scripts as the pod image does. */
function busyboxPath(lab: Lab): string {
    const dir = path.join(lab.dir, "busybox-bin");
    fs.mkdirSync(dir, { recursive: true });
    for (const applet of ["ip", "arping"]) {
        const link = path.join(dir, applet);
        if (!fs.existsSync(link)) fs.symlinkSync("/usr/bin/busybox", link);
    }
    return `${dir}:/usr/bin:/bin:/usr/sbin:/sbin`;
}
