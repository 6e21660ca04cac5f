// The Kubernetes provider plugin. The upstream command embeds a schema that its release build
// generates and the module zip lacks, so build.ts copies the module's schema.json, stamped with
// the provider's version, beside this file as schema-embed.json before `go build`.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
