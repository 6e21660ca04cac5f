import { CustomResource } from "@pulumi/kubernetes/apiextensions";
import { StorageClass } from "@pulumi/kubernetes/storage/v1";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, TacoConfig } from "../config";
import { SERVICE_NAMES } from "../lib/charts";

/** Something the stack names that must already exist in the cluster, and the config key that names it. */
export interface NamedPrerequisite {
    /** The full config key, e.g. `taco:services.mariadb.persistence.storageClass`. */
    key: string;
    name: string;
}

export interface ClusterIssuerPrerequisite extends NamedPrerequisite {
    /** Set when a certificate for this wildcard host is issued through it (ACME needs DNS-01 for one). */
    wildcard?: string;
}

export interface ClusterPrerequisitesArgs {
    storageClasses: NamedPrerequisite[];
    clusterIssuer?: ClusterIssuerPrerequisite;
}

/**
 * Reads, during preview, what the stack names and the cluster must already have, so a missing one
 * fails `pulumi preview` before anything is applied. A failed read carries the provider's message
 * ("resource ... does not exist"), which names the resource: each read is named after the config
 * key it serves, so that message points at the key to fix. The TLS Secret of `tls.secretName` is
 * deliberately not read: its outputs would copy the private key into the state.
 */
export class ClusterPrerequisites extends pulumi.ComponentResource {
    /** The ClusterIssuer's name once it is known to fit (rejects otherwise). */
    public readonly clusterIssuer?: pulumi.Output<string>;

    constructor(name: string, args: ClusterPrerequisitesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:cluster:ClusterPrerequisites", name, {}, opts);
        for (const storageClass of args.storageClasses) {
            StorageClass.get(storageClass.key, storageClass.name, { parent: this });
        }
        const issuer = args.clusterIssuer;
        if (issuer) {
            // CustomResource.get declares only apiVersion and kind as outputs; naming `spec` too
            // makes the read's spec available.
            const read = new CustomResource(issuer.key, {
                apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", spec: undefined,
            }, { parent: this, id: issuer.name });
            this.clusterIssuer = (read as unknown as { spec: pulumi.Output<ClusterIssuerSpec | undefined> }).spec.apply((spec) => {
                if (issuer.wildcard) checkWildcardIssuer(issuer, issuer.wildcard, spec);
                return issuer.name;
            });
        }
        // Registering the checked name as an output makes a failed check fail the program.
        this.registerOutputs({ clusterIssuer: this.clusterIssuer });
    }
}

/** The part of a cert-manager ClusterIssuer spec the check reads. */
export interface ClusterIssuerSpec {
    acme?: { solvers?: { dns01?: unknown; http01?: unknown }[] };
    [issuerKind: string]: unknown;
}

/**
 * ACME issues a wildcard certificate only through a DNS-01 challenge; other issuer kinds (ca,
 * vault, selfSigned, venafi) issue any name. Without a spec (the offline plan reads nothing) there
 * is nothing to check.
 */
export function checkWildcardIssuer(issuer: NamedPrerequisite, wildcard: string, spec: ClusterIssuerSpec | undefined): void {
    if (!spec?.acme) return;
    if ((spec.acme.solvers ?? []).some((solver) => solver.dns01 !== undefined)) return;
    throw new ConfigError(issuer.key, issuer.name,
        `the ClusterIssuer has no DNS-01 solver, and the catch-all Ingress needs a certificate for ${wildcard}, which ACME issues only through DNS-01; `
        + "add a dns01 solver to the ClusterIssuer, name one that has it, or use tls.secretName with an existing wildcard certificate");
}

/** What the stack names that must exist: StorageClasses of persistent volumes, the ClusterIssuer. */
export function prerequisitesOf(config: TacoConfig): ClusterPrerequisitesArgs {
    const storageClasses = SERVICE_NAMES.flatMap((service) => {
        const persistence = config.services[service].persistence;
        return persistence?.enabled && persistence.storageClass
            ? [{ key: `taco:services.${service}.persistence.storageClass`, name: persistence.storageClass }] : [];
    });
    const { mode, ingress } = config.exposure;
    const ingressMode = mode === "ingress" || mode === "hierarchical";
    const tls = ingress.tls;
    const clusterIssuer = ingressMode && tls?.kind === "clusterIssuer" ? {
        key: "taco:exposure.ingress.tls.clusterIssuer",
        name: tls.clusterIssuer,
        // Hierarchical mode terminates TLS on the catch-all for *.<publicDomain> (IngressCluster).
        wildcard: mode === "hierarchical" && ingress.publicDomain ? `*.${ingress.publicDomain}` : undefined,
    } : undefined;
    return { storageClasses, clusterIssuer };
}
