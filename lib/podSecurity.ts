// Pod Security admission for the namespace the program creates: the level is the most permissive
// one any pod placed there needs, computed in one place from what each part of the program puts
// there. A part adds its pods' needs; the namespace takes the maximum (podSecurityLevel).
import { ServiceSettings, TacoConfig } from "../config";
import { ServiceName, SERVICE_NAMES } from "./charts";

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
 * (read from the templates): each makes the namespace need `privileged`.
 */
const CHART_PRIVILEGED_OPTIONS: { chart: ServiceName; path: string; when: (values: Record<string, unknown>) => boolean; why: string }[] = [
    { chart: "rabbitmq", path: "network.host_namespace", when: (v) => lookup(v, "network.host_namespace") === true, why: "hostPort for management, amqp and clustering (statefulset.yaml)" },
    { chart: "rabbitmq", path: "volume.use_local_path.enabled", when: (v) => lookup(v, "volume.use_local_path.enabled") === true, why: "hostPath data volume (statefulset.yaml)" },
    { chart: "mariadb", path: "volume.use_local_path_for_single_pod_cluster.enabled", when: (v) => lookup(v, "volume.use_local_path_for_single_pod_cluster.enabled") === true, why: "hostPath data volume (statefulset.yaml)" },
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

function lookup(values: Record<string, unknown>, dotted: string): unknown {
    return dotted.split(".").reduce<unknown>((node, key) =>
        node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined, values);
}

/**
 * Everything the program places in its own namespace: the five charts and, in `ingress` mode, the
 * namespace controller on host networking (in `hierarchical` mode it is a Deployment behind the
 * cluster controller, which runs in kube-system instead).
 */
export function namespacePodSecurity(config: TacoConfig): PodSecurityNeed[] {
    const { mode, ingress } = config.exposure;
    return [
        ...openstackChartNeeds(config.services),
        ...(mode === "ingress" || mode === "hierarchical" ? [ingressControllerNeed(ingress.className, mode === "ingress")] : []),
    ];
}

/**
 * What `kube-system` must admit in hierarchical mode: the cluster controller runs there on host
 * networking. The program does not label a namespace it does not own; kube-system is normally
 * unlabelled and exempt, but a cluster-wide default (PodSecurity AdmissionConfiguration
 * `defaults.enforce`) above privileged must exempt it (`exemptions.namespaces`).
 */
export function kubeSystemPodSecurity(config: TacoConfig): PodSecurityNeed[] {
    return config.exposure.mode === "hierarchical" ? [ingressControllerNeed(config.exposure.ingress.clusterClassName, true)] : [];
}
