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

/**
 * How to reach an API service's pods. helm-toolkit's `kubernetes_metadata_labels` gives every pod
 * `release_group` (the release name, as `release_group` is null in values.yaml), `application` and
 * `component`.
 */
export interface ApiPods {
    /** Labels that select the API pods of the release of the same name as the service. */
    selector: Record<string, string>;
    /** The named container port the API listens on. */
    containerPort: string;
    /** The chart's own ClusterIP Service in front of the pods, and its port. */
    service: { name: string; port: number };
    /** The values path of the node selector of these pods (`<path>.node_selector_key/_value`). */
    nodeLabelsPath: string;
    /** The chart's endpoint key (`endpoints.<key>`). */
    endpoint: string;
    /** The path clients check the API on. */
    healthPath: string;
}

export const API_PODS: Record<ApiServiceName, ApiPods> = {
    keystone: {
        selector: { release_group: "keystone", application: "keystone", component: "api" },
        containerPort: "ks-pub",
        // endpoints.identity.hosts.internal / port.api.service
        service: { name: "keystone-api", port: 5000 },
        nodeLabelsPath: "labels.api",
        endpoint: "identity",
        healthPath: "/v3",
    },
    horizon: {
        selector: { release_group: "horizon", application: "horizon", component: "server" },
        containerPort: "web",
        // endpoints.dashboard.hosts.default / port.web.default
        service: { name: "horizon-int", port: 80 },
        nodeLabelsPath: "labels.dashboard",
        endpoint: "dashboard",
        healthPath: "/auth/login/",
    },
};

/** Keystone's `rabbitmq-rabbitmq-<n>` transport URL is built from the rabbitmq release's StatefulSet. */
export function rabbitmqStatefulSetName(releaseName: string): string {
    return `${releaseName}-rabbitmq`;
}
