import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { SERVICE_NAMES, ServiceName } from "../lib/charts";

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

    constructor(name: string, args: {}, opts?: pulumi.ComponentResourceOptions) {
        super("taco:secrets:Credentials", name, args, opts);
        // Alphanumeric only: mariadb writes some of these unquoted into its config files.
        const generate = (id: string, length = 32) =>
            new random.RandomPassword(id, { length, special: false }, { parent: this }).result;
        const credential = (id: string, username: string): Credential => ({ username, password: generate(id) });

        this.mariadbRoot = credential("mariadb-root", "root");
        this.mariadbSst = credential("mariadb-sst", "sst");
        this.mariadbAudit = credential("mariadb-audit", "audit");
        this.mariadbExporter = credential("mariadb-exporter", "exporter");
        this.mariadbBackup = credential("mariadb-backup", "mariadb-backup-user");
        this.keystoneDb = credential("keystone-db", "keystone");
        this.horizonDb = credential("horizon-db", "horizon");
        this.rabbitmqAdmin = credential("rabbitmq-admin", "rabbitmq");
        this.rabbitmqGuest = credential("rabbitmq-guest", "guest");
        this.rabbitmqKeystone = credential("rabbitmq-keystone", "keystone");
        this.erlangCookie = generate("rabbitmq-erlang-cookie", 64);
        this.keystoneAdmin = credential("keystone-admin", "admin");
        this.keystoneTest = credential("keystone-test", "keystone-test");
        this.horizonSecretKey = generate("horizon-secret-key", 64);
        this.registry = Object.fromEntries(
            SERVICE_NAMES.map((service) => [service, credential(`${service}-registry`, service)]),
        ) as Record<ServiceName, Credential>;
        this.registerOutputs({});
    }
}

