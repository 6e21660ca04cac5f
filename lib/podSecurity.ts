// Pod Security admission for the namespaces the program creates (its own, and metallb-system
// with a VIP that installs MetalLB): the level is the most permissive one any pod placed there
// needs, computed in one place from what each part of the program puts there. A part adds its pods' needs; the namespace takes the maximum (podSecurityLevel).
import { ExposedService, ServiceSettings, TacoConfig, VipSettings } from "../config";
import { ServiceName, SERVICE_NAMES } from "./charts";
import { deployedByProgram, EXPOSURE_CATALOG, EXTERNAL_CHART_POD_SECURITY } from "./exposureCatalog";
import { installsMetalLb } from "./vip";

/** The Pod Security Standards levels, least to most permissive. */
export const POD_SECURITY_LEVELS = ["restricted", "baseline", "privileged"] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

/** What some pods need from admission, and why (shown in the plan). */
export interface PodSecurityNeed {
    /** The pods, e.g. "mariadb server", "ingress-openstack controller". */
    pods: string;
    level: PodSecurityLevel;
    why: string;
}

/** The least permissive level that admits every need (restricted when nothing is placed). */
export function podSecurityLevel(needs: PodSecurityNeed[]): PodSecurityLevel {
    const rank = (level: PodSecurityLevel) => POD_SECURITY_LEVELS.indexOf(level);
    return needs.reduce<PodSecurityLevel>((level, need) => rank(need.level) > rank(level) ? need.level : level, "restricted");
}

/**
 * The namespace labels: enforce the level the pods need, and warn and audit at the same level, so
 * a later change that needs more shows up in `kubectl` warnings and the audit log before it fails.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
    return Object.fromEntries(["enforce", "warn", "audit"].flatMap((mode) => [
        [`pod-security.kubernetes.io/${mode}`, level],
        [`pod-security.kubernetes.io/${mode}-version`, "latest"],
    ]));
}

/**
 * Why none of the five charts passes `restricted` with its defaults (values.yaml security_context,
 * 0ee5adef): mariadb's `perms` and rabbitmq's `rabbitmq_perms`/`_cookie`/`_password` init containers
 * run as root (runAsUser 0) to chown the data directory, horizon's apache runs as root; no chart sets runAsNonRoot on every
 * container, a RuntimeDefault seccomp profile or drops ALL capabilities everywhere (keystone's
 * fernet and credential jobs run as 42424 but keep default capabilities). None uses host
 * namespaces, host ports, hostPath or privileged containers by default: `baseline` admits them.
 */
const CHART_BASELINE: Record<ServiceName, string> = {
    mariadb: "init container perms runs as root (runAsUser 0) to chown /var/lib/mysql; no seccomp profile",
    rabbitmq: "init containers rabbitmq-perms, -cookie and -password run as root (runAsUser 0); no seccomp profile",
    memcached: "no seccomp profile (restricted requires RuntimeDefault)",
    keystone: "API, fernet and credential jobs run as 42424 without runAsNonRoot, seccomp profile or dropped capabilities",
    horizon: "the dashboard container runs as root (runAsUser 0: apache binds port 80)",
};

/**
 * Chart options, set through `taco:services.<chart>.values`, that put host resources in a pod
 * (read from the templates): each makes the namespace need `privileged`. The charts' host-network
 * and volume switches are not among them: the program owns those and refuses them in raw values
 * (lib/ownedValues.ts).
 */
const CHART_PRIVILEGED_OPTIONS: { chart: ServiceName; path: string; when: (values: Record<string, unknown>) => boolean; why: string }[] = [
    {
        chart: "mariadb", path: "manifests.cron_job_mariadb_backup",
        when: (v) => lookup(v, "manifests.cron_job_mariadb_backup") === true && lookup(v, "manifests.pvc_backup") !== true,
        why: "hostPath backup directory, without manifests.pvc_backup (cron-job-backup-mariadb.yaml)",
    },
    { chart: "memcached", path: "pod.mandatory_access_control.type", when: (v) => lookup(v, "pod.mandatory_access_control.type") === "apparmor", why: "privileged apparmor-loader init container with /sys mounted (helm-toolkit apparmor snippets)" },
];

/** What the five openstack-helm releases need, given the raw values each is installed with. */
export function openstackChartNeeds(services: Record<ServiceName, ServiceSettings>): PodSecurityNeed[] {
    return SERVICE_NAMES.flatMap((chart): PodSecurityNeed[] => {
        const privileged = CHART_PRIVILEGED_OPTIONS.filter((option) => option.chart === chart && option.when(services[chart].values));
        return privileged.length > 0
            ? privileged.map((option) => ({ pods: `${chart} (${option.path})`, level: "privileged" as const, why: option.why }))
            : [{ pods: chart, level: "baseline" as const, why: CHART_BASELINE[chart] }];
    });
}

/** An ingress controller's pods: host networking (the nodes' own 80/443) needs `privileged`. */
export function ingressControllerNeed(releaseName: string, hostNetwork: boolean): PodSecurityNeed {
    return hostNetwork
        ? { pods: `${releaseName} controller`, level: "privileged", why: "hostNetwork: true (baseline forbids host namespaces and host ports)" }
        : { pods: `${releaseName} controller`, level: "baseline", why: "haproxy-ingress 0.15.4 sets no securityContext by default (restricted needs runAsNonRoot, seccomp, dropped capabilities)" };
}

/**
 * The controller that faces clients (the namespace controller in `ingress` mode, the cluster
 * controller in `hierarchical`): on host networking without a VIP and with an `interface` VIP,
 * whose native sidecar adds NET_ADMIN and NET_RAW; behind its LoadBalancer Service with `l2` and
 * `routed` (components/vip.ts), where it needs no more than any pod off the host.
 */
export function entryControllerNeeds(releaseName: string, vip: VipSettings): PodSecurityNeed[] {
    if (vip.mode === "l2" || vip.mode === "routed") return [ingressControllerNeed(releaseName, false)];
    return [
        ingressControllerNeed(releaseName, true),
        ...(vip.mode === "interface" ? [{
            pods: `${releaseName} vip sidecar`, level: "privileged" as const,
            why: "host network with capabilities NET_ADMIN and NET_RAW added (ip addr, arping; baseline admits neither)",
        }] : []),
    ];
}

/**
 * What the MetalLB namespace (metallb-system) must admit when the program installs MetalLB: the
 * speaker on host networking with NET_RAW (ARP and memberlist on the node), in BGP mode FRR-K8s
 * with NET_ADMIN, NET_RAW and SYS_ADMIN as well (MetalLB 0.16.1 templates/speaker.yaml, frr-k8s
 * templates). With Calico announcing the speaker is off and only the controller runs.
 */
export function metallbPodSecurity(vip: VipSettings): PodSecurityNeed[] {
    if (!installsMetalLb(vip)) return [];
    if (vip.mode === "routed" && vip.bgp.speaker === "calico") {
        return [{ pods: "metallb controller (address allocation only)", level: "baseline", why: "the speaker is disabled (Calico announces); the controller sets no seccomp profile of its own through the program" }];
    }
    return [
        { pods: "metallb speaker", level: "privileged", why: "hostNetwork: true with NET_RAW added (ARP replies, memberlist on the node's address)" },
        ...(vip.mode === "routed" ? [{ pods: "frr-k8s", level: "privileged" as const, why: "hostNetwork: true, FRR with NET_ADMIN, NET_RAW and SYS_ADMIN (BGP and BFD sessions on the node)" }] : []),
    ];
}

function lookup(values: Record<string, unknown>, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((node, key) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined, values);
}

/**
 * Everything the program places in its own namespace: the five charts and the namespace
 * controller: in `ingress` mode it faces clients (entryControllerNeeds: host networking, or
 * behind the VIP's LoadBalancer Service); in `hierarchical` mode it is a Deployment behind the
 * cluster controller, which runs in kube-system instead.
 */
export function namespacePodSecurity(config: TacoConfig): PodSecurityNeed[] {
    const { mode, ingress, vip } = config.exposure;
    return [
        ...openstackChartNeeds(config.services),
        ...externalChartNeeds(config.exposure.services),
        ...(mode === "ingress" ? entryControllerNeeds(ingress.className, vip) : []),
        ...(mode === "hierarchical" ? [ingressControllerNeed(ingress.className, false)] : []),
    ];
}

/** The charts outside the stack whose APIs are exposed: their releases share the namespace. */
function externalChartNeeds(services: ExposedService[]): PodSecurityNeed[] {
    const releases = new Map(services.filter(({ name }) => !deployedByProgram(name)).map(({ name, release }) => [release, EXPOSURE_CATALOG[name].chart]));
    return [...releases].map(([release, chart]) => ({ pods: `${release} (chart ${chart}, outside the stack)`, ...EXTERNAL_CHART_POD_SECURITY[chart] }));
}

/**
 * What `kube-system` must admit in hierarchical mode: the cluster controller runs there on host
 * networking. The program does not label a namespace it does not own; kube-system is normally
 * unlabelled and exempt, but a cluster-wide default (PodSecurity AdmissionConfiguration
 * `defaults.enforce`) above privileged must exempt it (`exemptions.namespaces`).
 */
export function kubeSystemPodSecurity(config: TacoConfig): PodSecurityNeed[] {
    const { mode, ingress, vip } = config.exposure;
    return mode === "hierarchical" ? entryControllerNeeds(ingress.clusterClassName, vip) : [];
}
