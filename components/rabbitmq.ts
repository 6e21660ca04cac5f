import * as pulumi from "@pulumi/pulumi";
import { OpenStackChart, OpenStackChartArgs } from "./openstackChart";

/** The message broker keystone's notifications go through (openstack-helm `rabbitmq`). */
export class RabbitMQ extends OpenStackChart {
    constructor(name: string, args: OpenStackChartArgs, opts?: pulumi.ComponentResourceOptions) {
        const { credentials } = args;
        super("taco:openstack:RabbitMQ", "rabbitmq", name, args, {
            endpoints: {
                oslo_messaging: {
                    auth: {
                        user: credentials.rabbitmqAdmin,
                        guest: { password: credentials.rabbitmqGuest.password },
                        erlang_cookie: credentials.erlangCookie,
                    },
                },
            },
        }, opts);
    }
}
