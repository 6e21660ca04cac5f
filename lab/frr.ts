// FRR (Debian's 8.4: zebra, bgpd, bfdd) inside a lab namespace, configured the way FRR is in
// production: the daemons start empty and `vtysh -b` loads one integrated frr.conf into them.
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Daemon, Lab } from "./netns";
import type { VipSpec } from "./spec";

export const FRR_DAEMONS = ["zebra", "bgpd", "bfdd"] as const;
export type FrrDaemon = (typeof FRR_DAEMONS)[number];

export class Frr {
    readonly dir: string;
    daemons: Partial<Record<FrrDaemon, Daemon>> = {};

    constructor(private readonly lab: Lab, readonly ns: string, readonly conf: string) {
        this.dir = path.join(lab.dir, `frr-${ns}`);
        fs.mkdirSync(this.dir, { recursive: true });
        fs.writeFileSync(path.join(this.dir, "frr.conf"), conf);
        fs.writeFileSync(path.join(this.dir, "vtysh.conf"), "");
        fs.writeFileSync(path.join(this.dir, "empty.conf"), "");
        for (const file of fs.readdirSync(this.dir)) fs.chmodSync(path.join(this.dir, file), 0o644);
        fs.chmodSync(lab.dir, 0o755);
        execFileSync("chown", ["frr:frr", this.dir]);
    }

    /** Starts the daemons (zebra first: the others connect to it) and loads frr.conf. */
    async start(): Promise<void> {
        for (const daemon of FRR_DAEMONS) {
            const argv = [`/usr/lib/frr/${daemon}`, "-f", path.join(this.dir, "empty.conf"), "-i", path.join(this.dir, `${daemon}.pid`),
                "-z", path.join(this.dir, "zserv.api"), "--vty_socket", this.dir, "--log", "stdout",
                ...(daemon === "bfdd" ? ["--bfdctl", path.join(this.dir, "bfdd.sock")] : [])];
            this.daemons[daemon] = this.lab.start(`${this.ns}/${daemon}`, this.ns, argv);
            await this.lab.until(`${this.ns}: ${daemon} vty socket`, 10_000, () => fs.existsSync(path.join(this.dir, `${daemon}.vty`)), 20);
        }
        const boot = spawnSync("ip", ["netns", "exec", this.lab.ns(this.ns), "vtysh", "--vty_socket", this.dir, "--config_dir", this.dir, "-b"],
            { encoding: "utf8", timeout: 30_000 });
        const errors = `${boot.stdout}${boot.stderr}`.split("\n").filter((line) => line.trim() && !line.includes("vtysh.conf"));
        if (boot.status !== 0 || errors.some((line) => /^%|failure|error/i.test(line))) {
            throw new Error(`${this.ns}: FRR rejected its frr.conf (vtysh -b exit ${boot.status}):\n${errors.join("\n")}\n--- frr.conf\n${this.conf}`);
        }
    }

    /** Stops (SIGTERM: bgpd sends a Cease NOTIFICATION) or kills (SIGKILL) the daemons. */
    async stop(signal: "SIGTERM" | "SIGKILL"): Promise<void> {
        await Promise.all(Object.values(this.daemons).map((daemon) => daemon && this.lab.stop(daemon, signal)));
        this.daemons = {};
        for (const file of fs.readdirSync(this.dir).filter((name) => /\.(vty|pid|api|sock)$/.test(name))) fs.rmSync(path.join(this.dir, file), { force: true });
    }

    vtysh(...commands: string[]): string {
        return spawnSync("vtysh", ["--vty_socket", this.dir, ...commands.flatMap((command) => ["-c", command])], { encoding: "utf8" }).stdout;
    }
}

/**
 * The node side as MetalLB's FRR-K8s configures it from the program's BGPPeer and BFDProfile:
 * one eBGP session to the router with the CR's hold and keepalive times, BFD with the profile's
 * timers, the VIP announced as a /32. `timers connect 5` is the lab's own: FRR's default 120 s
 * connect-retry would make "node back" after a link loss wait up to two minutes.
 */
export function speakerConf(node: string, speaker: NonNullable<VipSpec["speaker"]>, vip: string): string {
    const peer = speaker.peerAddress;
    return [
        "frr defaults traditional",
        `hostname ${node}`,
        ...(speaker.bfd ? [
            "bfd",
            ` profile ${speaker.bfd.name}`,
            `  receive-interval ${speaker.bfd.receiveInterval}`,
            `  transmit-interval ${speaker.bfd.transmitInterval}`,
            `  detect-multiplier ${speaker.bfd.detectMultiplier}`,
            " exit",
            "exit",
        ] : []),
        `router bgp ${speaker.myASN}`,
        " no bgp ebgp-requires-policy",
        " no bgp default ipv4-unicast",
        ` neighbor ${peer} remote-as ${speaker.peerASN}`,
        ` neighbor ${peer} timers ${speaker.keepaliveSeconds} ${speaker.holdSeconds}`,
        ` neighbor ${peer} timers connect 5`,
        ...(speaker.bfd ? [` neighbor ${peer} bfd profile ${speaker.bfd.name}`] : []),
        " address-family ipv4 unicast",
        `  network ${vip}/32`,
        `  neighbor ${peer} activate`,
        " exit-address-family",
        "exit",
        "",
    ].join("\n");
}
