import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SERVICE_NAMES, ServiceName } from "../lib/charts";
import { CredentialId } from "../lib/ownedValues";

export interface CredentialsArgs {
    /** Credentials the operator chose (secret Outputs of taco:secrets); the others are generated. */
    given?: Partial<Record<CredentialId, pulumi.Output<string>>>;
    /** Pulumi's `protect` on every generated secret: deleting one would change a live password. */
    protect?: boolean;
}

/** A user name and its generated password; the password is a secret Output. */
export interface Credential {
    username: string;
    password: pulumi.Output<string>;
}

/**
 * Every credential the five charts define, generated once and kept in state. Each chart receives
 * the same Output wherever two charts must agree (mariadb root in keystone and horizon, the
 * rabbitmq admin in keystone, the keystone admin in horizon and mariadb).
 */
export class Credentials extends pulumi.ComponentResource {
    /** mariadb `endpoints.oslo_db.auth.admin`: the root account the clients' db-init jobs use. */
    public readonly mariadbRoot: Credential;
    public readonly mariadbSst: Credential;
    public readonly mariadbAudit: Credential;
    public readonly mariadbExporter: Credential;
    /** mariadb `endpoints.identity.auth.mariadb`: the backup user it creates in keystone. */
    public readonly mariadbBackup: Credential;
    public readonly keystoneDb: Credential;
    public readonly horizonDb: Credential;
    /** rabbitmq `endpoints.oslo_messaging.auth.user`: the broker's admin, keystone's `auth.admin`. */
    public readonly rabbitmqAdmin: Credential;
    public readonly rabbitmqGuest: Credential;
    public readonly rabbitmqKeystone: Credential;
    public readonly erlangCookie: pulumi.Output<string>;
    public readonly keystoneAdmin: Credential;
    public readonly keystoneTest: Credential;
    public readonly horizonSecretKey: pulumi.Output<string>;
    /** Each chart's `endpoints.oci_image_registry.auth.<chart>` placeholder (see OpenStackChart). */
    public readonly registry: Record<ServiceName, Credential>;

    constructor(name: string, args: CredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:secrets:Credentials", name, {}, opts);
        const given = args.given ?? {};
        // Alphanumeric only: mariadb writes some of these unquoted into its config files.
        const generate = (configKey: CredentialId, id: string, length = 32) => given[configKey]
            ?? new random.RandomPassword(id, { length, special: false }, { parent: this, protect: args.protect }).result;
        const credential = (configKey: CredentialId, id: string, username: string): Credential =>
            ({ username, password: generate(configKey, id) });

        this.mariadbRoot = credential("mariadbRoot", "mariadb-root", "root");
        this.mariadbSst = credential("mariadbSst", "mariadb-sst", "sst");
        this.mariadbAudit = credential("mariadbAudit", "mariadb-audit", "audit");
        this.mariadbExporter = credential("mariadbExporter", "mariadb-exporter", "exporter");
        this.mariadbBackup = credential("mariadbBackup", "mariadb-backup", "mariadb-backup-user");
        this.keystoneDb = credential("keystoneDb", "keystone-db", "keystone");
        this.horizonDb = credential("horizonDb", "horizon-db", "horizon");
        this.rabbitmqAdmin = credential("rabbitmqAdmin", "rabbitmq-admin", "rabbitmq");
        this.rabbitmqGuest = credential("rabbitmqGuest", "rabbitmq-guest", "guest");
        this.rabbitmqKeystone = credential("rabbitmqKeystone", "rabbitmq-keystone", "keystone");
        this.erlangCookie = generate("erlangCookie", "rabbitmq-erlang-cookie", 64);
        this.keystoneAdmin = credential("keystoneAdmin", "keystone-admin", "admin");
        this.keystoneTest = credential("keystoneTest", "keystone-test", "keystone-test");
        this.horizonSecretKey = generate("horizonSecretKey", "horizon-secret-key", 64);
        this.registry = Object.fromEntries(
            SERVICE_NAMES.map((service) => [service, credential("registry", `${service}-registry`, service)]),
        ) as Record<ServiceName, Credential>;
        this.registerOutputs({});
    }
}

