// Every chart a site needs, at the version the program installs: what `npm run charts -- pull`
// carries into an air-gapped site, in the one folder `taco:charts.repository` then points at.
import { DEFAULT_CHART_REPOSITORY, HELM_TOOLKIT_VERSION, PINNED_CHART_VERSIONS, SERVICE_NAMES } from "./charts";
import { INGRESS_CONTROLLER_CHARTS } from "./ingressControllers";

export interface BundledChart {
    chart: string;
    version: string;
    /** The Helm repository (https) it is published in. */
    repository: string;
    /** Why the bundle carries it. */
    purpose: string;
}

/**
 * The openstack-helm charts from `openstackRepository` (the stack's `taco:charts.repository`, or
 * the default), the others from their own repositories. Another chart the program installs is
 * one more entry here (MetalLB's goes with the VIP modes).
 */
export function bundledCharts(openstackRepository: string = DEFAULT_CHART_REPOSITORY): BundledChart[] {
    return [
        ...SERVICE_NAMES.map((chart) => ({ chart, version: PINNED_CHART_VERSIONS[chart], repository: openstackRepository, purpose: "openstack-helm release" })),
        { chart: "helm-toolkit", version: HELM_TOOLKIT_VERSION, repository: openstackRepository, purpose: "library of the unpacked openstack-helm charts" },
        ...Object.values(INGRESS_CONTROLLER_CHARTS).map((controller) => ({
            chart: controller.chart, version: controller.version, repository: controller.repository, purpose: "ingress controller",
        })),
    ];
}

/** The file name Helm gives a packaged chart, and the one a local chart directory holds. */
export function archiveName(chart: string, version: string): string {
    return `${chart}-${version}.tgz`;
}
