// A small client for the e2e's own API server: JSON over HTTPS with the admin's client
// certificate. The e2e reads the cluster's truth through it, not through Pulumi's view.
import * as fs from "fs";
import * as https from "https";

export interface KubeCredentials {
    server: string;
    ca: string;
    cert: string;
    key: string;
}

export class KubeError extends Error {
    constructor(readonly status: number, message: string) {
        super(message);
    }
}

export interface KubeObject {
    apiVersion?: string;
    kind?: string;
    metadata: {
        name: string;
        namespace?: string;
        uid?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
        ownerReferences?: { kind: string; name: string }[];
        creationTimestamp?: string;
        managedFields?: { manager: string; operation: string; fieldsV1?: unknown }[];
    };
    [field: string]: unknown;
}

export class Kube {
    private readonly agent: https.Agent;

    constructor(readonly credentials: KubeCredentials) {
        this.agent = new https.Agent({
            ca: fs.readFileSync(credentials.ca),
            cert: fs.readFileSync(credentials.cert),
            key: fs.readFileSync(credentials.key),
            keepAlive: true,
        });
    }

    request<T = KubeObject>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
        const url = new URL(path, this.credentials.server);
        const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        return new Promise<T>((resolve, reject) => {
            const request = https.request(url, {
                method,
                agent: this.agent,
                headers: { accept: "application/json", ...(payload ? { "content-type": contentType } : {}) },
                timeout: 30_000,
            }, (response) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    const status = response.statusCode ?? 0;
                    if (status >= 200 && status < 300) resolve((text ? JSON.parse(text) : {}) as T);
                    else reject(new KubeError(status, `${method} ${path}: ${status} ${text.slice(0, 500)}`));
                });
            });
            request.on("timeout", () => request.destroy(new Error(`${method} ${path}: timed out`)));
            request.on("error", reject);
            if (payload) request.write(payload);
            request.end();
        });
    }

    get<T = KubeObject>(path: string): Promise<T> {
        return this.request<T>("GET", path);
    }

    async list(path: string): Promise<KubeObject[]> {
        return (await this.get<{ items: KubeObject[] }>(path)).items;
    }

    /** The object, or undefined when the API server answers 404. */
    async find(path: string): Promise<KubeObject | undefined> {
        try {
            return await this.get(path);
        } catch (error) {
            if (error instanceof KubeError && error.status === 404) return undefined;
            throw error;
        }
    }

    create(path: string, object: unknown): Promise<KubeObject> {
        return this.request("POST", path, object);
    }

    /** Server-side apply under the e2e's own field manager. */
    apply(path: string, object: unknown): Promise<KubeObject> {
        return this.request("PATCH", `${path}?fieldManager=taco-e2e&force=true`, object, "application/apply-patch+yaml");
    }

    mergePatch(path: string, patch: unknown): Promise<KubeObject> {
        return this.request("PATCH", path, patch, "application/merge-patch+json");
    }
}
