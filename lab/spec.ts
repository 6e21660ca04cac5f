// The program's view that the labs test, read the way scripts/plan.ts reads it: the real program
// run under the mock harness with the stack's config, plus the files the plan writes. Everything
// the labs know about the program goes through here.
import * as fs from "fs";
import * as path from "path";
import { format } from "util";
import type { LoadBalancerBackend } from "../components/nodePortExposure";
import { parseConfig, PublicEndpoint } from "../config";
import type { FailoverBound } from "../lib/failoverBound";
import { PLAN_DIR, planCommand } from "../scripts/plan";
import { PROJECT_DIR, revealOrMask, runStack, StackRun } from "../tools/mockRuntime";
import { nodeReadState, readStack, StackConfig } from "../tools/stackConfig";

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
    /** Interface: the interface the program gives its claim and release scripts (VIP_INTERFACE). */
    interface?: string;
    /** Where this came from: the stack, and the mode switch when `--vip` made one. */
    source: string;
}

export interface HaproxySpec {
    backends: LoadBalancerBackend[];
    failoverBound: FailoverBound;
    publicEndpoint?: PublicEndpoint;
}

const plain = (value: unknown) => revealOrMask(value, () => "[secret]");
/** The name the VIP lab gives each node namespace's interface: `vip.interface` must name it in `interface` mode. */
export const LAB_NODE_INTERFACE = "eth0";

/** The program run for a stack: its config (as Pulumi hands it over) and what it registered. */
export interface ProgramView {
    stack: string;
    config: StackConfig;
    run: StackRun;
    /** What `--vip <mode>` changed in `taco:exposure.vip`, when it changed anything. */
    vipSwitch?: string;
}

export interface ViewOptions {
    /** The InternalIPs a real cluster would report (node name → address). */
    nodeIPs?: Record<string, string>;
    /** Run the program with `taco:exposure.vip` switched to this mode (the stack's address kept). */
    vipMode?: VipMode;
}

/** Runs the program for `stack` with the stack's config, or with its VIP switched to `vipMode`. */
export async function programView(stack: string, options: ViewOptions = {}): Promise<ProgramView> {
    const stackConfig = readStack(stack);
    const switched = options.vipMode ? switchVip(stack, stackConfig, options.vipMode) : undefined;
    const config = switched?.config ?? stackConfig;
    const run = await runStack({ stack, ...config, readState: options.nodeIPs ? nodeReadState(options.nodeIPs) : undefined });
    return { stack, config, run, vipSwitch: switched?.change };
}

/**
 * The stack's config with `taco:exposure.vip` in `mode`: the stack's address and the settings the
 * new mode takes (`tolerationSeconds`, `metallb`, `interface` in `l2`) kept; in `interface` the
 * lab's node interface. `routed` needs BGP settings only a routed stack has: the lab refuses to
 * invent them, so every bound it checks stays one the stack's own config gives.
 */
export function switchVip(stack: string, stackConfig: StackConfig, mode: VipMode): { config: StackConfig; change: string } | undefined {
    const exposureKey = "taco:exposure";
    const exposure = stackConfig.config[exposureKey] === undefined ? {} : JSON.parse(stackConfig.config[exposureKey]) as Record<string, any>;
    const vip = (exposure.vip ?? { mode: "none" }) as Record<string, any>;
    if (vip.mode === mode && (mode !== "interface" || vip.interface === LAB_NODE_INTERFACE)) return undefined;
    if (!vip.address) throw new Error(`stack ${stack} declares no VIP address (taco:exposure.vip.mode is ${vip.mode}): --vip ${mode} keeps the stack's address, so it needs one`);
    if (mode === "routed") {
        throw new Error(`stack ${stack} has no BGP settings (taco:exposure.vip.mode is ${vip.mode}): --vip routed does not invent them;`
            + " run the lab on a routed stack (npm run lab -- prod)");
    }
    const kept = (keys: string[]) => Object.fromEntries(keys.filter((key) => vip[key] !== undefined).map((key) => [key, vip[key]]));
    const switched = mode === "interface"
        ? { mode, address: vip.address, ...kept(["tolerationSeconds"]), interface: LAB_NODE_INTERFACE }
        : { mode, address: vip.address, ...kept(["interface", "tolerationSeconds", "metallb"]) };
    return {
        config: { ...stackConfig, config: { ...stackConfig.config, [exposureKey]: JSON.stringify({ ...exposure, vip: switched }) } },
        change: `taco:exposure.vip.mode ${vip.mode} → ${mode}${mode === "interface" ? `, interface ${LAB_NODE_INTERFACE}` : ""}, by --vip`,
    };
}

export function exposureMode(view: ProgramView): string {
    return String(plain(view.run.outputs.exposureMode));
}

export function haproxySpec(view: ProgramView): HaproxySpec {
    const { stack, run, config: { config, secretKeys } } = view;
    const outputs = plain(run.outputs) as { loadBalancerBackends: LoadBalancerBackend[]; failoverBound: FailoverBound | null };
    if (!outputs.failoverBound) throw new Error(`stack ${stack}: no failoverBound output in nodeport mode`);
    const { publicEndpoint } = parseConfig(config, PROJECT_DIR, { secretKeys, stack }).exposure.nodePort ?? {};
    return { backends: outputs.loadBalancerBackends, failoverBound: outputs.failoverBound, publicEndpoint };
}

/**
 * The VIP as the program declares it: its `vip` output, the address checked against the registered
 * IPAddressPool; in `interface` mode the interface its scripts are given; in `routed` mode the
 * BGPPeer and BFDProfile it gives MetalLB and the router file the plan writes.
 */
export async function vipSpec(view: ProgramView): Promise<VipSpec> {
    const { stack, run } = view;
    const vip = plain(run.outputs.vip) as Omit<VipSpec, "source" | "interface"> | undefined;
    if (!vip || !vip.mode || (vip.mode as string) === "none") {
        throw new Error(`stack ${stack} declares no VIP (taco:exposure.vip.mode none): nothing for the VIP lab; --vip interface|l2 switches a stack that has a VIP address`);
    }
    const pools = (plain(run.resources) as Cr[]).filter((r) => r.type === "kubernetes:metallb.io/v1beta1:IPAddressPool");
    if (pools.length > 0 && !pools.some((pool) => (pool.inputs.spec?.addresses ?? []).includes(`${vip.address}/32`))) {
        throw new Error(`the vip output's address ${vip.address} is in no registered IPAddressPool as ${vip.address}/32`);
    }
    const switched = view.vipSwitch ? `, ${view.vipSwitch}` : "";
    return {
        ...vip,
        interface: vip.mode === "interface" ? scriptInterface(run) : undefined,
        speaker: vip.mode === "routed" ? speakerOf(run) : undefined,
        // The plan reads the stack file, so a routed VIP is always the stack's own (switchVip).
        routerConf: vip.mode === "routed" ? await readRouterConf(stack) : undefined,
        source: `the program (stack ${stack}${switched})`,
    };
}

/** Runs the offline plan's command (which writes plan/<stack>/router-frr.conf) and reads the router's file. */
async function readRouterConf(stack: string): Promise<string> {
    const errors: string[] = [];
    const status = await planCommand([stack], { out: () => undefined, err: (message) => errors.push(format(message)), planRoot: PLAN_DIR });
    if (status !== 0) throw new Error(`npm run plan -- ${stack} failed:\n${errors.join("\n")}`);
    const file = path.join(PLAN_DIR, stack, "router-frr.conf");
    if (!fs.existsSync(file)) throw new Error(`the plan of stack ${stack} wrote no ${path.relative(PROJECT_DIR, file)}`);
    return fs.readFileSync(file, "utf8");
}

/** The interface the program's VIP sidecar is given (its `VIP_INTERFACE`), wherever the pod spec is registered. */
function scriptInterface(run: StackRun): string {
    const found = new Set<string>();
    const visit = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(visit);
        else if (value !== null && typeof value === "object") {
            const entry = value as Record<string, unknown>;
            if (entry.name === "VIP_INTERFACE" && typeof entry.value === "string") found.add(entry.value);
            Object.values(entry).forEach(visit);
        }
    };
    visit(plain(run.resources));
    if (found.size !== 1) throw new Error(`interface mode: expected one VIP_INTERFACE in the registered pod specs, found ${[...found].join(", ") || "none"}`);
    return [...found][0];
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
