// TACO's OpenStack control plane from the openstack-helm charts, and its exposure outside the
// cluster: ClusterIP (nothing outside), NodePort, Ingress or hierarchical Ingress, by stack config.
import { Namespace } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { ClusterPrerequisites, prerequisitesOf } from "./components/clusterPrerequisites";
import { ControlPlaneNodes, NodeAddress } from "./components/controlPlaneNodes";
import { Credentials } from "./components/credentials";
import { Horizon } from "./components/horizon";
import { IngressExposure } from "./components/ingressExposure";
import { Keystone } from "./components/keystone";
import { MariaDB } from "./components/mariadb";
import { Memcached } from "./components/memcached";
import { NodePortExposure } from "./components/nodePortExposure";
import { OpenStackChart, OpenStackChartArgs } from "./components/openstackChart";
import { RabbitMQ } from "./components/rabbitmq";
import { loadConfig } from "./config";
import { ApiServiceName, CHARTS_WITH_VOLUME, CONTROL_PLANE_LABEL, releasesBefore, releasesReadyBeforePods, ServiceName } from "./lib/charts";
import { inClusterChecks, inClusterEndpoints } from "./lib/endpoints";
import { API_NODE_LABEL, apiExposureValues, chartEndpointValues as endpointValuesOfCharts } from "./lib/exposure";
import { namespacePodSecurity, podSecurityLabels, podSecurityLevel } from "./lib/podSecurity";
import { skipUnreadPromiseTraces } from "./lib/promiseTraces";

skipUnreadPromiseTraces();

const config = loadConfig();
const { exposure } = config;

new ClusterPrerequisites("prerequisites", prerequisitesOf(config));
const openstackNamespace = new Namespace("namespace", {
    metadata: { name: config.namespace, labels: podSecurityLabels(podSecurityLevel(namespacePodSecurity(config))) },
});
const controlPlane = config.nodes.controlPlane.length > 0
    ? new ControlPlaneNodes("control-plane", {
        nodes: config.nodes.controlPlane,
        sharedLabels: { [CONTROL_PLANE_LABEL.key]: CONTROL_PLANE_LABEL.value },
        ownLabels: { [API_NODE_LABEL.key]: API_NODE_LABEL.value },
    })
    : undefined;
const apiNodeSelector: Record<string, string> = controlPlane
    ? { [API_NODE_LABEL.key]: API_NODE_LABEL.value }
    : { [CONTROL_PLANE_LABEL.key]: CONTROL_PLANE_LABEL.value };
const nodeLabels = controlPlane?.patches ?? [];

const credentials = new Credentials("credentials", { given: config.credentials, protect: config.protect });
// The charts' own order (lib/charts.ts): every release starts at once, except what a release's
// destroy needs (keystone's pre-delete hook needs mariadb); the rest is init containers waiting
// for endpoints in the cluster.
const installed = new Map<ServiceName, OpenStackChart>();
const releasesOf = (charts: ServiceName[]) => charts.map((chart) => installed.get(chart)!.release);
const chartArgs = (service: ServiceName): OpenStackChartArgs => ({
    namespace: openstackNamespace.metadata.name,
    source: config.charts,
    settings: config.services[service],
    credentials,
    after: releasesBefore(service).map((chart) => installed.get(chart)!),
    tolerations: config.nodes.tolerations,
    dependsOn: nodeLabels,
    // The releases that hold data (mariadb, rabbitmq): a mode switch never replaces them, and neither may a slip.
    protect: config.protect && CHARTS_WITH_VOLUME.includes(service),
});
const install = <T extends OpenStackChart>(chart: T): T => { installed.set(chart.chart, chart); return chart; };
const apiValues = apiExposureValues(config);
// Keystone's own release is left out while it is being built: its component adds it.
const podsNeed = (service: ApiServiceName) => releasesOf(releasesReadyBeforePods(service).filter((chart) => installed.has(chart)));

const mariadb = install(new MariaDB("mariadb", chartArgs("mariadb")));
const rabbitmq = install(new RabbitMQ("rabbitmq", chartArgs("rabbitmq")));
const memcached = install(new Memcached("memcached", chartArgs("memcached")));
const keystone = install(new Keystone("keystone", {
    ...chartArgs("keystone"), rabbitmq, overlay: apiValues.keystone, podsNeed: podsNeed("keystone"),
}));
const horizon = install(new Horizon("horizon", { ...chartArgs("horizon"), overlay: apiValues.horizon }));

const entryNodes = controlPlane?.addresses ?? pulumi.output<NodeAddress[]>([]);
const exposed = (() => {
    switch (exposure.mode) {
        case "clusterip":
            return { endpoints: inClusterEndpoints(config.namespace, exposure.services), checks: inClusterChecks(config.namespace, exposure.services) };
        case "nodeport":
            return new NodePortExposure("nodeport", {
                namespace: config.namespace,
                services: exposure.services,
                ports: exposure.nodePort.ports,
                externalTrafficPolicy: exposure.nodePort.externalTrafficPolicy,
                range: exposure.nodePort.range,
                nodes: entryNodes,
                publicEndpoint: exposure.nodePort.publicEndpoint,
                dependsOn: [openstackNamespace],
                // Only the program's own releases: other charts' pods come from outside the stack.
                podsNeed: { keystone: podsNeed("keystone"), horizon: podsNeed("horizon") },
            });
        case "ingress":
        case "hierarchical":
            return new IngressExposure(exposure.mode, {
                hierarchical: exposure.mode === "hierarchical",
                namespace: config.namespace,
                services: exposure.services,
                settings: exposure.ingress,
                charts: config.charts,
                nodeSelector: apiNodeSelector,
                tolerations: config.nodes.tolerations,
                entryNodes,
                vip: exposure.vip,
                nodeNames: config.nodes.controlPlane,
                dependsOn: [openstackNamespace, ...nodeLabels],
            });
    }
})();

export const namespace = openstackNamespace.metadata.name;
export const exposureMode = exposure.mode;
export const releases = Object.fromEntries([mariadb, rabbitmq, memcached, keystone, horizon].map((chart) => [
    chart.releaseName, { chart: chart.chart, version: chart.version, namespace: config.namespace },
]));
export const adminCredentials = pulumi.secret(keystone.admin);
/** The nodes that run keystone and horizon, as the cluster reports them (empty: any control-plane node). */
export const apiNodes = entryNodes;
export const endpoints = exposed.endpoints;
export const checks = exposed.checks;
/** The entry point's VIP (ingress and hierarchical modes): address, nodes and failover bounds. */
export const vip = exposed instanceof IngressExposure && exposed.vip ? exposed.vip.output : { mode: "none" };
/**
 * Per exposed chart this program does not deploy: the `endpoints.*` values its release needs so
 * its ks-endpoints job registers the public URL (README "Exposing other OpenStack APIs").
 */
export const chartEndpointValues = endpointValuesOfCharts(config);
/** Only in nodeport mode: what to hand the external load balancer. */
export const loadBalancerBackends = exposed instanceof NodePortExposure ? exposed.loadBalancerBackends : [];
/** Only in nodeport mode: how long the load balancer may send requests to a dead node. */
export const failoverBound = exposed instanceof NodePortExposure ? exposed.failoverBound : null;
