// What exposing each OpenStack API needs, one row per API, read from the openstack-helm templates
// at 0ee5adef (the charts are pinned there; lib/charts.ts). Every exposure mode, output and
// check follows this table: nothing else in the program names an API's port, Service or path.
//
// How each column was read:
// - application/component: the `tuple $envAll "<application>" "<component>"` handed to helm-toolkit's
//   kubernetes_metadata_labels in the API's Deployment template; the third pod label,
//   `release_group`, is the Helm release's name (`release_group` is null in every values.yaml).
// - containerPort: the `ports[].name` of that Deployment's API container.
// - service: the chart's ClusterIP Service (service-*.yaml), named by hostname_short_endpoint_lookup
//   of `endpoints.<type>` "internal" (→ `hosts.internal`, else `hosts.default`), on port
//   endpoint_port_lookup "service" (→ `port.<port>.service`, else `.default`) of values.yaml.
// - endpoint: `endpoints.<type>` and its `port.<port>` key, where the chart's ks-endpoints job reads
//   the public URL it registers in keystone's catalog (`host_fqdn_override.public`, `port.<port>.public`,
//   `scheme.public`).
// - host: `endpoints.<type>.hosts.public` (keystone has none: its default, `keystone`), the name the
//   charts' own Ingresses used and this program's Ingresses keep.
// - healthPath: `endpoints.<type>.path.healthcheck` where the chart names one (oslo.middleware's
//   healthcheck answers 200 without a token), else a path the API answers 200 on without a token.
import { API_SERVICES, ApiServiceName } from "./charts";

export const CATALOG_SERVICES = [
    "keystone", "horizon", "glance", "nova", "novnc", "placement", "neutron", "cinder", "heat", "heat-cfn", "barbican", "octavia",
] as const;
export type CatalogService = (typeof CATALOG_SERVICES)[number];

export interface CatalogEntry {
    /** The openstack-helm chart that renders the API. */
    chart: string;
    /** The `application` and `component` pod labels of the API's Deployment. */
    application: string;
    component: string;
    /** The named container port the API listens on. */
    containerPort: string;
    /** The chart's own ClusterIP Service in front of the pods, and its port. */
    service: { name: string; port: number };
    /** `endpoints.<type>` and the `port.<port>` key of the public URL the chart registers. */
    endpoint: { type: string; port: string };
    /** The path clients check the API on, and the status it answers there (200 unless said). */
    healthPath: string;
    healthStatus?: number;
    /**
     * Default node port. Kubernetes allocates automatic node ports from above the static band
     * (KEP-3668; 30000-30085 with the default range), so fixed ports there are never taken first.
     * keystone's 30500 and horizon's 31000 predate the catalog and are documented defaults (the
     * program warns that they lie above the band).
     */
    nodePort: number;
    /** The host name its Ingress routes (`<host>`, `<host>.<ns>`, `<host>.<ns>.svc.cluster.local`, `<host>.<domain>`). */
    host: string;
    /** The values path of the pods' node selector (`<path>.node_selector_key/_value`). */
    nodeLabelsPath: string;
    /**
     * The values path that puts the pods on host networking, and its default in the chart, where
     * the chart has one. Handled, not refused: the Endpoints of a host-network pod carry its node's
     * address and the container's port, and the named targetPort resolves the same, so the program's
     * NodePort Services (with `Local` too: the pod is on the node that receives the packet) and the
     * Ingresses' backend Services reach it unchanged. What changes is the namespace's Pod Security
     * level (EXTERNAL_CHART_POD_SECURITY: privileged) and that the pod holds its port on the node.
     */
    hostNetwork?: { path: string; default: boolean };
    /** The template the row was read from (the tests compare the row with it). */
    templates: { deployment: string; service: string };
}

export const EXPOSURE_CATALOG: Record<CatalogService, CatalogEntry> = {
    keystone: {
        chart: "keystone", application: "keystone", component: "api", containerPort: "ks-pub",
        // endpoints.identity.hosts.internal keystone-api, port.api.service 5000
        service: { name: "keystone-api", port: 5000 },
        endpoint: { type: "identity", port: "api" }, healthPath: "/v3", nodePort: 30500, host: "keystone", nodeLabelsPath: "labels.api",
        templates: { deployment: "keystone/templates/deployment-api.yaml", service: "keystone/templates/service-api.yaml" },
    },
    horizon: {
        chart: "horizon", application: "horizon", component: "server", containerPort: "web",
        // endpoints.dashboard.hosts.default horizon-int, port.web.default 80
        service: { name: "horizon-int", port: 80 },
        endpoint: { type: "dashboard", port: "web" }, healthPath: "/auth/login/", nodePort: 31000, host: "horizon", nodeLabelsPath: "labels.dashboard",
        templates: { deployment: "horizon/templates/deployment.yaml", service: "horizon/templates/service.yaml" },
    },
    glance: {
        chart: "glance", application: "glance", component: "api", containerPort: "g-api",
        // endpoints.image.hosts.default glance-api, port.api.default 9292 (no `service` key)
        service: { name: "glance-api", port: 9292 },
        endpoint: { type: "image", port: "api" }, healthPath: "/healthcheck", nodePort: 30010, host: "glance", nodeLabelsPath: "labels.api",
        // deployment-api.yaml: `hostNetwork: true` under `if .Values.pod.useHostNetwork.api` (false by default)
        hostNetwork: { path: "pod.useHostNetwork.api", default: false },
        templates: { deployment: "glance/templates/deployment-api.yaml", service: "glance/templates/service-api.yaml" },
    },
    nova: {
        chart: "nova", application: "nova", component: "os-api", containerPort: "n-api",
        // endpoints.compute.hosts.default nova-api, port.api.service 8774; nova's API answers its version list at /
        service: { name: "nova-api", port: 8774 },
        endpoint: { type: "compute", port: "api" }, healthPath: "/", nodePort: 30020, host: "nova", nodeLabelsPath: "labels.osapi",
        templates: { deployment: "nova/templates/deployment-api-osapi.yaml", service: "nova/templates/service-osapi.yaml" },
    },
    novnc: {
        chart: "nova", application: "nova", component: "novnc-proxy", containerPort: "n-novnc",
        // endpoints.compute_novnc_proxy.hosts.default nova-novncproxy, port.novnc_proxy.default 6080; path.default
        service: { name: "nova-novncproxy", port: 6080 },
        endpoint: { type: "compute_novnc_proxy", port: "novnc_proxy" }, healthPath: "/vnc_auto.html", nodePort: 30021, host: "novncproxy",
        nodeLabelsPath: "labels.novncproxy",
        // deployment-novncproxy.yaml: `hostNetwork: true` under `if .Values.pod.useHostNetwork.novncproxy` (true by default)
        hostNetwork: { path: "pod.useHostNetwork.novncproxy", default: true },
        templates: { deployment: "nova/templates/deployment-novncproxy.yaml", service: "nova/templates/service-novncproxy.yaml" },
    },
    placement: {
        chart: "placement", application: "placement", component: "api", containerPort: "p-api",
        // endpoints.placement.hosts.default placement-api, port.api.service 8778; placement answers its version at /
        service: { name: "placement-api", port: 8778 },
        endpoint: { type: "placement", port: "api" }, healthPath: "/", nodePort: 30030, host: "placement", nodeLabelsPath: "labels.api",
        templates: { deployment: "placement/templates/deployment.yaml", service: "placement/templates/service.yaml" },
    },
    neutron: {
        chart: "neutron", application: "neutron", component: "server", containerPort: "q-api",
        // endpoints.network.hosts.default neutron-server, port.api.service 9696
        service: { name: "neutron-server", port: 9696 },
        endpoint: { type: "network", port: "api" }, healthPath: "/healthcheck", nodePort: 30040, host: "neutron", nodeLabelsPath: "labels.server",
        templates: { deployment: "neutron/templates/deployment-server.yaml", service: "neutron/templates/service-server.yaml" },
    },
    cinder: {
        chart: "cinder", application: "cinder", component: "api", containerPort: "c-api",
        // endpoints.volumev3.hosts.default cinder-api, port.api.default 8776 (no `service` key)
        service: { name: "cinder-api", port: 8776 },
        endpoint: { type: "volumev3", port: "api" }, healthPath: "/healthcheck", nodePort: 30050, host: "cinder", nodeLabelsPath: "labels.api",
        templates: { deployment: "cinder/templates/deployment-api.yaml", service: "cinder/templates/service-api.yaml" },
    },
    heat: {
        chart: "heat", application: "heat", component: "api", containerPort: "h-api",
        // endpoints.orchestration.hosts.default heat-api, port.api.service 8004. Heat's paste pipelines
        // (conf.paste) have no healthcheck filter: its version negotiation answers / with 300 Multiple Choices.
        service: { name: "heat-api", port: 8004 },
        endpoint: { type: "orchestration", port: "api" }, healthPath: "/", healthStatus: 300, nodePort: 30060, host: "heat", nodeLabelsPath: "labels.api",
        templates: { deployment: "heat/templates/deployment-api.yaml", service: "heat/templates/service-api.yaml" },
    },
    "heat-cfn": {
        chart: "heat", application: "heat", component: "cfn", containerPort: "h-cfn",
        // endpoints.cloudformation.hosts.default heat-cfn, port.api.service 8000
        service: { name: "heat-cfn", port: 8000 },
        endpoint: { type: "cloudformation", port: "api" }, healthPath: "/", healthStatus: 300, nodePort: 30061, host: "cloudformation", nodeLabelsPath: "labels.cfn",
        templates: { deployment: "heat/templates/deployment-cfn.yaml", service: "heat/templates/service-cfn.yaml" },
    },
    barbican: {
        chart: "barbican", application: "barbican", component: "api", containerPort: "b-api",
        // endpoints.key_manager.hosts.default barbican-api, port.api.service 9311
        service: { name: "barbican-api", port: 9311 },
        endpoint: { type: "key_manager", port: "api" }, healthPath: "/healthcheck", nodePort: 30070, host: "barbican", nodeLabelsPath: "labels.api",
        templates: { deployment: "barbican/templates/deployment-api.yaml", service: "barbican/templates/service-api.yaml" },
    },
    octavia: {
        chart: "octavia", application: "octavia", component: "api", containerPort: "o-api",
        // endpoints.load_balancer.hosts.default octavia-api, port.api.default 9876 (= conf.octavia_api_uwsgi http-socket)
        service: { name: "octavia-api", port: 9876 },
        endpoint: { type: "load_balancer", port: "api" }, healthPath: "/healthcheck", nodePort: 30080, host: "octavia", nodeLabelsPath: "labels.api",
        templates: { deployment: "octavia/templates/deployment-api.yaml", service: "octavia/templates/service-api.yaml" },
    },
};

/**
 * What the Pod Security admission of the namespace must allow for a chart outside the stack whose
 * API is exposed. Its release runs in the program's namespace (a Service selects pods of its own
 * namespace only, and an Ingress routes to Services of its own), and the program sets that
 * namespace's enforce level (lib/podSecurity.ts): too strict a level would refuse the chart's pods.
 * Read from the templates at 0ee5adef (`hostNetwork: true`, `privileged: true`, hostPath volumes).
 */
export const EXTERNAL_CHART_POD_SECURITY: Record<string, { level: "baseline" | "privileged"; why: string }> = {
    glance: { level: "baseline", why: "no host namespaces with its defaults (pod.useHostNetwork.api false); storage local or cinder mount host paths and need privileged" },
    nova: { level: "privileged", why: "novncproxy runs on host networking by default (pod.useHostNetwork.novncproxy); nova-compute is privileged with host paths" },
    placement: { level: "baseline", why: "no host namespaces, host paths or privileged containers with its defaults" },
    neutron: { level: "privileged", why: "its agents run on host networking, privileged, with host paths" },
    cinder: { level: "privileged", why: "cinder-volume and -backup are privileged with host paths (iSCSI, /dev)" },
    heat: { level: "baseline", why: "no host namespaces, host paths or privileged containers" },
    barbican: { level: "baseline", why: "no host namespaces, host paths or privileged containers" },
    octavia: { level: "privileged", why: "its health manager and worker run on host networking with host paths" },
};

/** The catalog entries this program deploys itself (keystone, horizon); the others come from releases outside the stack. */
export function deployedByProgram(service: CatalogService): service is ApiServiceName {
    return (API_SERVICES as readonly string[]).includes(service);
}

/** The pod labels that select an API's pods in the release `release` (helm-toolkit's kubernetes_metadata_labels). */
export function podSelector(service: CatalogService, release: string): Record<string, string> {
    const entry = EXPOSURE_CATALOG[service];
    return { release_group: release, application: entry.application, component: entry.component };
}

/** The catalog entry whose pods a selector picks (by application and component). */
export function serviceOfSelector(selector: Record<string, string> | undefined): CatalogService | undefined {
    return CATALOG_SERVICES.find((service) => EXPOSURE_CATALOG[service].application === selector?.application
        && EXPOSURE_CATALOG[service].component === selector?.component);
}

/** The catalog entry whose chart Service has this name. */
export function serviceOfChartService(name: string): CatalogService | undefined {
    return CATALOG_SERVICES.find((service) => EXPOSURE_CATALOG[service].service.name === name);
}

/** The NodePort Service the program creates for an exposed API (nodeport mode). */
export function nodePortServiceName(service: CatalogService): string {
    return `${service}-nodeport`;
}
