// The program's view that the labs test, read the way scripts/plan.ts reads it: the real program
// run under the mock harness with the stack's config, plus the files the plan writes. Everything
// the labs know about the program goes through here.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { NodeAddress } from "../components/controlPlaneNodes";
import type { LoadBalancerBackend } from "../components/nodePortExposure";
import { parseConfig, PublicEndpoint } from "../config";
import type { FailoverBound } from "../lib/failoverBound";
import { PROJECT_DIR, revealOrMask, runStack, StackRun } from "../tools/mockRuntime";
import { nodeReadState, readStack } from "../tools/stackConfig";

export type VipMode = "interface" | "l2" | "routed";

/** What the VIP lab needs: the `vip` output, and in `routed` mode the speaker and router settings. */
export interface VipSpec {
    address: string;
    mode: VipMode;
    nodes: string[];
    failoverBound: FailoverBound;
    /** Routed: what MetalLB's FRR gets (from the BGPPeer and BFDProfile custom resources). */
    speaker?: {
        myASN: number;
        peerASN: number;
        peerAddress: string;
        holdSeconds: number;
        keepaliveSeconds: number;
        bfd?: { name: string; receiveInterval: number; transmitInterval: number; detectMultiplier: number };
    };
    /** Routed: plan/<stack>/router-frr.conf. */
    routerConf?: string;
    /** Where this came from: the program, or a fixture while the VIP modes are not merged. */
    source: string;
}

export interface HaproxySpec {
    backends: LoadBalancerBackend[];
    failoverBound: FailoverBound;
    publicEndpoint?: PublicEndpoint;
}

const plain = (value: unknown) => revealOrMask(value, () => "[secret]");
const FIXTURES = path.join(__dirname, "fixture");
/** The mode each stack file is meant to use, for the fixture while the program registers no VIP. */
const FIXTURE_MODE: Record<string, VipMode> = { prod: "routed", staging: "l2" };

/** Runs the program for `stack`; `nodeIPs` stands for the InternalIPs a real cluster reports. */
export async function programView(stack: string, nodeIPs?: Record<string, string>): Promise<StackRun> {
    return runStack({ stack, ...readStack(stack), readState: nodeIPs ? nodeReadState(nodeIPs) : undefined });
}

export function exposureMode(run: StackRun): string {
    return String(plain(run.outputs.exposureMode));
}

export function haproxySpec(stack: string, run: StackRun): HaproxySpec {
    const outputs = plain(run.outputs) as { loadBalancerBackends: LoadBalancerBackend[]; failoverBound: FailoverBound | null };
    if (!outputs.failoverBound) throw new Error(`stack ${stack}: no failoverBound output in nodeport mode`);
    const { config, secretKeys } = readStack(stack);
    const { publicEndpoint } = parseConfig(config, PROJECT_DIR, { secretKeys, stack }).exposure.nodePort ?? {};
    return { backends: outputs.loadBalancerBackends, failoverBound: outputs.failoverBound, publicEndpoint };
}

/** The node names of the backends, in order. */
export function backendNodes(spec: HaproxySpec): NodeAddress[] {
    return spec.backends[0]?.nodes ?? [];
}

/**
 * The VIP as the program declares it. While the program registers no `vip` output (the VIP modes
 * live in another branch until merged), a fixture that follows the agreed contract stands in:
 * `fixtureMode` picks it, by default the mode the stack is meant to use.
 */
export function vipSpec(stack: string, run: StackRun, fixtureMode?: VipMode): VipSpec {
    const vip = plain(run.outputs.vip) as Omit<VipSpec, "source"> | undefined;
    if (vip && vip.mode && (vip.mode as string) !== "none" && !fixtureMode) {
        const pools = (plain(run.resources) as Cr[]).filter((r) => r.type === "kubernetes:metallb.io/v1beta1:IPAddressPool");
        if (pools.length > 0 && !pools.some((pool) => (pool.inputs.spec?.addresses ?? []).includes(`${vip.address}/32`))) {
            throw new Error(`the vip output's address ${vip.address} is in no registered IPAddressPool as ${vip.address}/32`);
        }
        const routerConf = vip.mode === "routed" ? readRouterConf(stack) : undefined;
        return { ...vip, speaker: vip.mode === "routed" ? speakerOf(run) : undefined, routerConf, source: `the program (stack ${stack})` };
    }
    const mode = fixtureMode ?? FIXTURE_MODE[stack];
    if (!mode) throw new Error(`stack ${stack} declares no vip (mode none?): nothing for the VIP lab; pass --vip-fixture interface|l2|routed`);
    const fixture = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${mode}.json`), "utf8")) as StackRun;
    const fixed = plain(fixture.outputs.vip) as Omit<VipSpec, "source">;
    return {
        ...fixed,
        speaker: mode === "routed" ? speakerOf(fixture) : undefined,
        routerConf: mode === "routed" ? fs.readFileSync(path.join(FIXTURES, "routed-router-frr.conf"), "utf8") : undefined,
        source: `FIXTURE lab/fixture/${mode}.json (the program registers no VIP for stack ${stack} yet)`,
    };
}

/** Runs the offline plan (which writes plan/<stack>/router-frr.conf) and reads the router's file. */
function readRouterConf(stack: string): string {
    const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "scripts/plan.ts", stack],
        { cwd: PROJECT_DIR, encoding: "utf8", timeout: 120_000 });
    if (result.status !== 0) throw new Error(`npm run plan -- ${stack} failed:\n${result.stderr}`);
    const file = path.join(PROJECT_DIR, "plan", stack, "router-frr.conf");
    if (!fs.existsSync(file)) throw new Error(`the plan of stack ${stack} wrote no ${path.relative(PROJECT_DIR, file)}`);
    return fs.readFileSync(file, "utf8");
}

type Cr = { type: string; inputs: { metadata?: { name?: string }; spec?: Record<string, any> } };

/** The session timers and BFD profile the program gives MetalLB, from its registered CRs. */
function speakerOf(run: StackRun): VipSpec["speaker"] {
    const crs = (plain(run.resources) as Cr[]).filter((r) => r.type.startsWith("kubernetes:metallb.io/"));
    const peer = crs.find((r) => r.type === "kubernetes:metallb.io/v1beta2:BGPPeer")?.inputs.spec;
    if (!peer) throw new Error("routed mode but no BGPPeer (metallb.io/v1beta2) registered");
    const profile = peer.bfdProfile
        ? crs.find((r) => r.type === "kubernetes:metallb.io/v1beta1:BFDProfile" && r.inputs.metadata?.name === peer.bfdProfile)
        : undefined;
    if (peer.bfdProfile && !profile) throw new Error(`BGPPeer names BFD profile ${peer.bfdProfile}, which is not registered`);
    const hold = durationSeconds(peer.holdTime ?? "90s");
    return {
        myASN: peer.myASN, peerASN: peer.peerASN, peerAddress: peer.peerAddress,
        holdSeconds: hold,
        keepaliveSeconds: peer.keepaliveTime ? durationSeconds(peer.keepaliveTime) : hold / 3,
        bfd: profile?.inputs.spec && {
            name: String(profile.inputs.metadata?.name),
            receiveInterval: profile.inputs.spec.receiveInterval ?? 300,
            transmitInterval: profile.inputs.spec.transmitInterval ?? 300,
            detectMultiplier: profile.inputs.spec.detectMultiplier ?? 3,
        },
    };
}

/** A Kubernetes duration ("9s", "1m30s", "300ms") in seconds. */
export function durationSeconds(text: string): number {
    const parts = [...String(text).matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
    if (parts.length === 0) throw new Error(`not a duration: ${text}`);
    const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
    return parts.reduce((sum, [, value, u]) => sum + Number(value) * unit[u], 0);
}
