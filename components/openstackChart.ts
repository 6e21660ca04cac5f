// The Release class's own module: `@pulumi/kubernetes/helm/v3` (like the package root) also loads
// the v3 Chart and its YAML support, which loads every API group of the provider, a large part of
// what a preview spends loading modules (README "Speed"; test/moduleLoading.test.ts).
import { Release, ReleaseArgs } from "@pulumi/kubernetes/helm/v3/release";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, ServiceSettings, Toleration } from "../config";
import { CHARTS_WITH_VOLUME, REPLICAS_PATH, ServiceName, tolerationsPath, usesHelmWait } from "../lib/charts";
import { atPath, mergeAll, Values } from "../lib/values";
import { Credentials } from "./credentials";

/** What every openstack-helm release needs, whichever chart it is. */
export interface OpenStackChartArgs {
    namespace: pulumi.Input<string>;
    source: ChartSource;
    settings: ServiceSettings;
    credentials: Credentials;
    /** Values from the rest of the program (placement, exposure), merged over the chart's own. */
    overlay?: Values;
    /** Releases that must be installed first (and deleted last): see `releasesBefore` in lib/charts.ts. */
    after?: OpenStackChart[];
    /** The taints of the nodes the pods go to, tolerated by every pod and job of the chart. */
    tolerations?: Toleration[];
    /** Other resources that must exist first (node labels the pods schedule by). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Pulumi's `protect`: set on the releases that hold data. */
    protect?: boolean;
}

/**
 * Helm applies the timeout to its wait and, separately, to each hook Job (helm install's hooks
 * each get the full timeout), so keystone's worst case is 7 × this. The longest single step is a
 * hook that pulls a large image on a cold node and migrates the schema, or mariadb's galera
 * bootstrap under Helm's wait; Helm's 300 s default is too short for either on a cold cluster.
 */
export const RELEASE_TIMEOUT_SECONDS = 900;

/**
 * One openstack-helm chart as a Helm release named after the chart. What the five releases share
 * lives here: chart source and version, namespace, replicas and volume, the operator's raw values
 * merged last, and the release options.
 */
export abstract class OpenStackChart extends pulumi.ComponentResource {
    public readonly release: Release;
    public readonly chart: ServiceName;
    public readonly version: string;
    /** The Helm release name, which the charts' `release_group` labels and resource names derive from. */
    public readonly releaseName: string;
    public readonly replicas: number;

    protected constructor(
        type: string, chart: ServiceName, name: string, args: OpenStackChartArgs, chartValues: Values,
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super(type, name, {}, opts);
        const { settings, source } = args;
        this.chart = chart;
        this.version = settings.version;
        // Pulumi would otherwise add a random suffix, which breaks `<release>-rabbitmq` and the
        // charts' `release_group` selectors.
        this.releaseName = chart;
        this.replicas = settings.replicas;

        const values = mergeAll(
            registryValues(args.credentials, chart),
            chartValues,
            args.overlay ?? {},
            atPath(REPLICAS_PATH[chart], settings.replicas),
            CHARTS_WITH_VOLUME.includes(chart) ? volumeValues(settings) : {},
            tolerationValues(chart, args.tolerations ?? []),
            settings.values,
            ...Object.entries(settings.secretValues).map(([dotted, secret]) => atPath(dotted, secret)),
        );
        this.release = new Release(chart, {
            name: this.releaseName,
            namespace: args.namespace,
            ...chartLocation(source, chart, settings.version),
            values,
            timeout: RELEASE_TIMEOUT_SECONDS,
            // Without Helm's wait the provider ignores waitForJobs (helm_release.go), so it is set only with it.
            ...(usesHelmWait(chart) ? { waitForJobs: true } : { skipAwait: true }),
            createNamespace: false,
        }, {
            parent: this,
            protect: args.protect,
            dependsOn: [...(args.after ?? []).map((other) => other.release), ...(args.dependsOn ?? [])],
        });
        this.registerOutputs({ release: this.release });
    }
}

/**
 * Every chart carries an `endpoints.oci_image_registry.auth.<chart>` placeholder. Registry auth is
 * off (`auth.enabled: false`), so nothing logs in with it; a generated value replaces the literal
 * `password` so that no rendered values hold a well-known credential.
 */
function registryValues(credentials: Credentials, chart: ServiceName): Values {
    return atPath(`endpoints.oci_image_registry.auth.${chart}`, credentials.registry[chart]);
}

/** helm-toolkit renders `pod.tolerations.<chart>.tolerations` only where `enabled` is true. */
function tolerationValues(chart: ServiceName, tolerations: Toleration[]): Values {
    return tolerations.length > 0 ? atPath(tolerationsPath(chart), { enabled: true, tolerations }) : {};
}

function volumeValues({ persistence }: ServiceSettings): Values {
    if (!persistence) return {};
    return {
        volume: {
            enabled: persistence.enabled,
            ...(persistence.size ? { size: persistence.size } : {}),
            ...(persistence.storageClass ? { class_name: persistence.storageClass } : {}),
        },
    };
}

/** Where Helm finds the chart: a repository, or a chart on disk for air-gapped sites. */
function chartLocation(source: ChartSource, chart: ServiceName, version: string): Pick<ReleaseArgs, "chart" | "version" | "repositoryOpts" | "dependencyUpdate"> {
    if (source.kind === "repository") return { chart, version, repositoryOpts: { repo: source.url } };
    const local = source.charts[chart];
    // Unpacked openstack-helm charts reach helm-toolkit through file://../helm-toolkit.
    return local.unpacked ? { chart: local.path, dependencyUpdate: true } : { chart: local.path };
}
