import { Secret } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { TlsSettings } from "../config";
import { IngressTls } from "../lib/ingressObjects";

export interface PublicTlsArgs {
    settings: TlsSettings;
    namespace: string;
    publicDomain: string;
    /** What the Secret needs first (its namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * The certificate for the public hosts, from wherever the stack says: an existing Secret, a
 * cert-manager ClusterIssuer (one Certificate per Ingress, named after it), or a self-signed
 * wildcard certificate for labs.
 */
export class PublicTls extends pulumi.ComponentResource {
    /** Only with `selfSigned`: the Secret holding the generated certificate and key. */
    public readonly secret?: Secret;
    private readonly settings: TlsSettings;
    private readonly selfSignedSecretName: string;

    constructor(name: string, args: PublicTlsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:ingress:PublicTls", name, {}, opts);
        this.settings = args.settings;
        this.selfSignedSecretName = name;
        if (args.settings.kind === "selfSigned") {
            const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
            const cert = new tls.SelfSignedCert(`${name}-cert`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: `*.${args.publicDomain}`, organization: "taco-exposure" },
                dnsNames: [`*.${args.publicDomain}`],
                validityPeriodHours: 24 * 365,
                earlyRenewalHours: 24 * 30,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            }, { parent: this });
            this.secret = new Secret(name, {
                metadata: { name: this.selfSignedSecretName, namespace: args.namespace },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
            }, { parent: this, dependsOn: args.dependsOn });
        }
        this.registerOutputs({});
    }

    /** TLS for the Ingress named `ingressName`. */
    forIngress(ingressName: string): IngressTls {
        switch (this.settings.kind) {
            case "secret":
                return { secretName: this.settings.secretName, annotations: {} };
            case "clusterIssuer":
                // cert-manager's ingress-shim issues a Certificate per Ingress into this Secret.
                return { secretName: `${ingressName}-tls`, annotations: { "cert-manager.io/cluster-issuer": this.settings.clusterIssuer } };
            case "selfSigned":
                return { secretName: this.selfSignedSecretName, annotations: {} };
        }
    }
}
