// What this program knows about the openstack-helm charts it deploys: the versions it pins and the
// names their templates produce. Everything here was read from openstack-helm master 0ee5adef
// (2026-08-20); see README "Chart versions" before changing a pin.

export const SERVICE_NAMES = ["rabbitmq", "memcached", "mariadb", "keystone", "horizon"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The services that clients outside the cluster reach. */
export const API_SERVICES = ["keystone", "horizon"] as const;
export type ApiServiceName = (typeof API_SERVICES)[number];

export const DEFAULT_CHART_REPOSITORY = "https://tarballs.opendev.org/openstack/openstack-helm";

/**
 * The repository publishes each chart as `2026.1.<commits touching the chart since tag 2026.1.0>+<sha>`
 * (tools/chart_version.sh), so every chart has its own number. These were computed from the master
 * snapshot above and could not be checked against the published index from this workplace.
 */
export const PINNED_CHART_VERSIONS: Record<ServiceName, string> = {
    rabbitmq: "2026.1.4+0ee5adeff",
    memcached: "2026.1.1+0ee5adeff",
    mariadb: "2026.1.6+0ee5adeff",
    keystone: "2026.1.24+0ee5adeff",
    horizon: "2026.1.16+0ee5adeff",
};

/**
 * The library chart the others depend on through `file://../helm-toolkit`. Packaged charts carry
 * it inside; unpacked ones need it beside them. Counted the same way, from the same snapshot.
 */
export const HELM_TOOLKIT_VERSION = "2026.1.22+0ee5adeff";

/** The values path of each chart's replica count. */
export const REPLICAS_PATH: Record<ServiceName, string> = {
    rabbitmq: "pod.replicas.server",
    memcached: "pod.replicas.server",
    mariadb: "pod.replicas.server",
    keystone: "pod.replicas.api",
    horizon: "pod.replicas.server",
};

/** Charts with a data volume (`volume.enabled`, `volume.size`, `volume.class_name`). */
export const CHARTS_WITH_VOLUME: readonly ServiceName[] = ["rabbitmq", "mariadb"];

/** The label every chart selects its pods' nodes by, by default (`labels.*.node_selector_*`). */
export const CONTROL_PLANE_LABEL = { key: "openstack-control-plane", value: "enabled" } as const;

// What exposing an API needs (pod labels, port names, Services, paths) lives in lib/exposureCatalog.ts.

/** Keystone's `rabbitmq-rabbitmq-<n>` transport URL is built from the rabbitmq release's StatefulSet. */
export function rabbitmqStatefulSetName(releaseName: string): string {
    return `${releaseName}-rabbitmq`;
}

// ---------------------------------------------------------------------------------------------
// How each chart comes up: its Helm hooks, what its pods wait for, and what follows for the
// release. Read from the templates and `dependencies.static` of each chart's values.yaml at
// 0ee5adef: the pods' and jobs' kubernetes-entrypoint init containers wait for the jobs and the
// services (endpoints) listed there before the main container starts.
// ---------------------------------------------------------------------------------------------

/** A Helm hook Job: Helm creates it and waits for it to complete, within the release timeout each. */
export interface HookJob {
    job: string;
    /** `helm.sh/hook-weight`; Helm runs hooks of one phase by weight, then by name, one at a time. */
    weight: number;
    /** Jobs its init container waits for (`dependencies.static.<job>.jobs`). */
    waitsForJobs: string[];
    /** Releases whose Service endpoints its init container waits for (`dependencies.static.<job>.services`). */
    waitsForEndpoints: ServiceName[];
}

export interface ChartRollout {
    /** `post-install,post-upgrade` hook Jobs, in the order Helm runs them. */
    postInstallHooks: HookJob[];
    /** `pre-delete` hook Jobs: they run on destroy, before Helm deletes anything of the release. */
    preDeleteHooks: HookJob[];
    /** What the chart's long-running pods (Deployment, StatefulSet) wait for before they can turn ready. */
    pods: { waitsForJobs: string[]; waitsForEndpoints: ServiceName[] };
    /** Why the release does or does not use Helm's wait (see `usesHelmWait`). */
    why: string;
    /** What a first install typically takes on a cold cluster, and what dominates it. */
    typical: { seconds: number; what: string };
}

export const CHART_ROLLOUT: Record<ServiceName, ChartRollout> = {
    mariadb: {
        // job-cluster-wait.yaml is a plain Job (no hook annotation) and off by default
        // (manifests.job_cluster_wait: false); the server StatefulSet waits for nothing.
        postInstallHooks: [],
        preDeleteHooks: [],
        pods: { waitsForJobs: [], waitsForEndpoints: [] },
        why: "no hooks and its pods wait for no job: Helm's wait (StatefulSet ready) is meaningful and cannot deadlock",
        typical: { seconds: 300, what: "image pull, then galera bootstrap: the first pod forms the cluster, others join one by one (readiness initialDelay 30 s, period 30 s)" },
    },
    rabbitmq: {
        // job-cluster-wait.yaml: post-install hook, weight 5, waits for its own oslo_messaging
        // endpoints; dependencies.static.rabbitmq.jobs is null, so the server pods wait for no job.
        postInstallHooks: [{ job: "rabbitmq-cluster-wait", weight: 5, waitsForJobs: [], waitsForEndpoints: ["rabbitmq"] }],
        preDeleteHooks: [],
        pods: { waitsForJobs: [], waitsForEndpoints: [] },
        why: "its one hook (cluster-wait) runs after the StatefulSet is ready and no pod waits for it: Helm's wait cannot deadlock",
        typical: { seconds: 240, what: "image pull, then the StatefulSet's pods start one after another (OrderedReady) and cluster-wait checks the cluster" },
    },
    memcached: {
        postInstallHooks: [],
        preDeleteHooks: [],
        pods: { waitsForJobs: [], waitsForEndpoints: [] },
        why: "no hooks, no dependencies: Helm's wait is meaningful and cannot deadlock",
        typical: { seconds: 60, what: "image pull" },
    },
    keystone: {
        // job-*.yaml annotate seven Jobs `post-install,post-upgrade` (unconditionally at 0ee5adef);
        // order by weight then name. Their waits are dependencies.static.<job> (rabbit_init's is
        // dependencies.dynamic.rabbit_init). secret-{fernet,credential}-keys.yaml are pre-install
        // hooks too, but Secrets: Helm does not wait on them.
        postInstallHooks: [
            { job: "keystone-credential-setup", weight: -5, waitsForJobs: [], waitsForEndpoints: [] },
            { job: "keystone-db-init", weight: -5, waitsForJobs: [], waitsForEndpoints: ["mariadb"] },
            { job: "keystone-fernet-setup", weight: -5, waitsForJobs: [], waitsForEndpoints: [] },
            { job: "keystone-db-sync", weight: -4, waitsForJobs: ["keystone-db-init", "keystone-credential-setup", "keystone-fernet-setup"], waitsForEndpoints: ["mariadb"] },
            { job: "keystone-rabbit-init", weight: -4, waitsForJobs: [], waitsForEndpoints: ["rabbitmq"] },
            { job: "keystone-domain-manage", weight: 0, waitsForJobs: [], waitsForEndpoints: ["keystone"] },
            { job: "keystone-bootstrap", weight: 5, waitsForJobs: ["keystone-domain-manage"], waitsForEndpoints: ["keystone"] },
        ],
        // job-credential-cleanup.yaml: `pre-delete`, waits for oslo_db (dependencies.static.credential_cleanup).
        preDeleteHooks: [{ job: "keystone-credential-cleanup", weight: 0, waitsForJobs: [], waitsForEndpoints: ["mariadb"] }],
        // dependencies.static.api
        pods: { waitsForJobs: ["keystone-db-sync", "keystone-credential-setup", "keystone-fernet-setup"], waitsForEndpoints: ["memcached", "mariadb"] },
        why: "the API pods wait for db-sync, credential-setup and fernet-setup, which are post-install hooks; Helm runs hooks only after its wait, "
            + "so with the wait on it waits for pods that cannot start (3 replicas, maxUnavailable 1: 2 ready pods) and fails at the timeout. "
            + "With skipAwait Helm still runs the seven hooks one by one, each within the timeout: the release completes after bootstrap, "
            + "which itself needs the API ready (domain-manage and bootstrap wait for the identity endpoints)",
        typical: { seconds: 600, what: "keystone's hook chain: seven Jobs one after another (each an image pull and a pod start), db-sync's schema migration, then the API pods and bootstrap" },
    },
    horizon: {
        // job-db-init.yaml (-5) and job-db-sync.yaml (-4) are post-install hooks.
        postInstallHooks: [
            { job: "horizon-db-init", weight: -5, waitsForJobs: [], waitsForEndpoints: ["mariadb"] },
            { job: "horizon-db-sync", weight: -4, waitsForJobs: ["horizon-db-init"], waitsForEndpoints: ["mariadb"] },
        ],
        preDeleteHooks: [],
        // dependencies.static.dashboard
        pods: { waitsForJobs: ["horizon-db-sync"], waitsForEndpoints: ["memcached", "mariadb", "keystone"] },
        why: "the dashboard pods wait for horizon-db-sync, a post-install hook: with Helm's wait on, any replica count above "
            + "maxUnavailable (1) deadlocks as keystone does. With skipAwait the release completes after db-sync; the pods turn ready "
            + "once keystone's API is, which is why what waits for horizon's pods also waits for keystone",
        typical: { seconds: 240, what: "image pull (a large image), db-init and db-sync, then the pods wait for keystone's API" },
    },
};

/** The hook Jobs of a chart, post-install and pre-delete. */
function hookJobs(rollout: ChartRollout): string[] {
    return [...rollout.postInstallHooks, ...rollout.preDeleteHooks].map((hook) => hook.job);
}

/**
 * The rule: Helm runs post-install hooks only after its wait, so a release whose pods wait for one
 * of its own hook Jobs must not use Helm's wait (`skipAwait`), or it waits for pods that cannot start.
 */
export function usesHelmWait(chart: ServiceName): boolean {
    const rollout = CHART_ROLLOUT[chart];
    return !rollout.pods.waitsForJobs.some((job) => hookJobs(rollout).includes(job));
}

/**
 * The releases that must be installed before `chart` (and so are deleted after it). Only keystone
 * has one: its pre-delete hook credential-cleanup waits for mariadb's endpoints, and under
 * skipAwait the provider gives Helm's uninstall no timeout (helm_release.go), so a destroy that
 * removed mariadb alongside keystone would wait for that Job for ever. Nothing else needs an
 * order: every other wait on another release is an init container that polls that release's
 * endpoints at run time (post-install hooks within their own timeout, pods without one).
 */
export function releasesBefore(chart: ServiceName): ServiceName[] {
    const needed = CHART_ROLLOUT[chart].preDeleteHooks.flatMap((hook) => hook.waitsForEndpoints).filter((other) => other !== chart);
    return [...new Set(needed)];
}

/**
 * The releases that must have come up before `chart`'s pods can turn ready: itself and, transitively,
 * every release whose endpoints they wait for. What awaits those pods (a Service) depends on all of them.
 */
export function releasesReadyBeforePods(chart: ServiceName): ServiceName[] {
    const seen = new Set<ServiceName>();
    const visit = (name: ServiceName) => {
        if (seen.has(name)) return;
        seen.add(name);
        CHART_ROLLOUT[name].pods.waitsForEndpoints.forEach(visit);
    };
    visit(chart);
    return SERVICE_NAMES.filter((name) => seen.has(name));
}

/**
 * Where each chart reads its tolerations (`pod.tolerations.<chart>`, helm-toolkit's
 * kubernetes_tolerations snippet under `if .Values.pod.tolerations.<chart>.enabled`). Every
 * Deployment, StatefulSet, Job and CronJob template of the five charts reads it, except the two
 * mariadb Jobs in TOLERATION_GAPS.
 */
export function tolerationsPath(chart: ServiceName): string {
    return `pod.tolerations.${chart}`;
}

/**
 * Workload templates that read no tolerations at all, so no values can make their pods tolerate a
 * taint: they need an untainted node carrying their node label. Both are off by default.
 */
export const TOLERATION_GAPS: Partial<Record<ServiceName, { template: string; when: string }[]>> = {
    mariadb: [
        { template: "mariadb/templates/job-cluster-wait.yaml", when: "manifests.job_cluster_wait (default false)" },
        { template: "mariadb/templates/exporter-job-create-user.yaml", when: "monitoring.prometheus.enabled (default false)" },
    ],
};
