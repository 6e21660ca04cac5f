// Every chart a site needs, at the version the program installs: what `npm run charts -- pull`
// carries into an air-gapped site, in the one folder `taco:charts.repository` then points at.
import * as fs from "fs";
import * as path from "path";
import type * as Yaml from "yaml";
import { DEFAULT_CHART_REPOSITORY, HELM_TOOLKIT_VERSION, PINNED_CHART_VERSIONS, SERVICE_NAMES } from "./charts";
import type { VipSettings } from "../config";
import { INGRESS_CONTROLLER_CHARTS } from "./ingressControllers";
import { installsMetalLb, METALLB_CHART } from "./vip";

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
 * one more entry here: MetalLB's when the stack's VIP (`vip`, from `--stack`) installs it.
 */
export function bundledCharts(openstackRepository: string = DEFAULT_CHART_REPOSITORY, vip?: VipSettings): BundledChart[] {
    return [
        ...SERVICE_NAMES.map((chart) => ({ chart, version: PINNED_CHART_VERSIONS[chart], repository: openstackRepository, purpose: "openstack-helm release" })),
        { chart: "helm-toolkit", version: HELM_TOOLKIT_VERSION, repository: openstackRepository, purpose: "library of the unpacked openstack-helm charts" },
        ...Object.values(INGRESS_CONTROLLER_CHARTS).map((controller) => ({
            chart: controller.chart, version: controller.version, repository: controller.repository, purpose: "ingress controller",
        })),
        ...(vip && installsMetalLb(vip) ? [{ ...METALLB_CHART, purpose: `MetalLB for the ${vip.mode} VIP` }] : []),
    ];
}

/** The file name Helm gives a packaged chart, and the one a local chart directory holds. */
export function archiveName(chart: string, version: string): string {
    return `${chart}-${version}.tgz`;
}

/**
 * Where `chart` at `version` sits in a local chart directory: unpacked `<chart>/` (with that
 * version in its Chart.yaml) or `<chart>-<version>.tgz`; undefined when neither is there.
 */
export function localChartPath(directory: string, chart: string, version: string): string | undefined {
    const unpacked = path.join(directory, chart);
    const chartYaml = path.join(unpacked, "Chart.yaml");
    if (fs.existsSync(chartYaml) && parseYaml(fs.readFileSync(chartYaml, "utf8"))?.version === version) return unpacked;
    const archive = path.join(directory, archiveName(chart, version));
    return fs.existsSync(archive) ? archive : undefined;
}

/** `yaml` loaded only when a local chart directory is read: every preview parses the config, few have one. */
function parseYaml(text: string): { version?: string } | null {
    return (require("yaml") as typeof Yaml).parse(text);
}
