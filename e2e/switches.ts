// The mode switches the e2e makes on a live stack: every exposure mode and every VIP mode that the
// stack's three control-plane nodes allow, ending where the committed config started. Each switch
// rewrites `taco:exposure` in the e2e's copy of the stack file, as an operator's edit would.
import * as fs from "fs";
import * as Yaml from "yaml";

export interface Switch {
    name: string;
    apply: () => void;
}

type Exposure = Record<string, unknown>;

const INGRESS = { publicDomain: "e2e.cloud.example.com", tls: { selfSigned: true } };
const L2 = { mode: "l2", address: "10.10.10.254", interface: "eth0" };
const INTERFACE = { mode: "interface", address: "10.10.10.254", interface: "eth0" };

export function switchesFor(stack: string, configFile: string): Switch[] {
    const committed = readExposure(configFile);
    const routed = (committed.vip as { mode?: string } | undefined)?.mode === "routed" ? committed.vip : undefined;
    const plans: Record<string, [string, Exposure][]> = {
        dev: [
            ["nodeport → clusterip", { mode: "clusterip" }],
            ["clusterip → ingress", { mode: "ingress", ingress: INGRESS }],
            ["ingress → hierarchical", { mode: "hierarchical", ingress: INGRESS }],
            ["hierarchical → nodeport", committed],
        ],
        staging: [
            ["ingress+l2 → hierarchical+l2", { ...committed, mode: "hierarchical" }],
            ["hierarchical+l2 → ingress+interface", { ...committed, mode: "ingress", vip: INTERFACE }],
            ["ingress+interface → ingress", { ...committed, mode: "ingress", vip: { mode: "none" } }],
            ["ingress → ingress+l2", committed],
        ],
        prod: [
            ["hierarchical+routed → ingress+routed", { ...committed, mode: "ingress", vip: routed }],
            ["ingress+routed → hierarchical+l2", { ...committed, mode: "hierarchical", vip: L2 }],
            ["hierarchical+l2 → hierarchical+routed", committed],
        ],
    };
    return (plans[stack] ?? []).map(([name, exposure]) => ({ name, apply: () => writeExposure(configFile, exposure) }));
}

function readExposure(configFile: string): Exposure {
    const document = Yaml.parseDocument(fs.readFileSync(configFile, "utf8"));
    return (document.getIn(["config", "taco:exposure"]) as Yaml.YAMLMap).toJSON() as Exposure;
}

function writeExposure(configFile: string, exposure: Exposure): void {
    const document = Yaml.parseDocument(fs.readFileSync(configFile, "utf8"));
    document.setIn(["config", "taco:exposure"], document.createNode(exposure));
    fs.writeFileSync(configFile, document.toString());
}
