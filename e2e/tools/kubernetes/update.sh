#!/usr/bin/env bash
# Regenerates this tools module for one k8s.io/kubernetes release. k8s.io/kubernetes requires its
# staging modules at v0.0.0 and replaces them with ./staging/..., which a dependent module cannot
# use; each is replaced here by the published k8s.io/<name> v0.<minor>.<patch>. The list is read
# from the release's own go.mod, since it changes between minors (1.36 added k8s.io/streaming).
set -euo pipefail
version=${1:?usage: update.sh v1.MINOR.PATCH}
cd "$(dirname "$0")"
export GOFLAGS=-mod=mod
go mod download k8s.io/kubernetes@"$version"
mod="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$version.mod"
staging_version="v0.${version#v1.}"
{
    printf 'module taco.local/e2e/tools/kubernetes\n\ngo 1.26\n\nreplace (\n'
    sed -nE 's#^\s*(k8s\.io/[a-z0-9-]+) => \./staging/.*#\t\1 => \1 '"$staging_version"'#p' "$mod"
    printf ')\n'
} >go.mod
rm -f go.sum
go get -tool k8s.io/kubernetes/cmd/kube-apiserver@"$version" \
    k8s.io/kubernetes/cmd/kube-controller-manager@"$version" \
    k8s.io/kubernetes/cmd/kube-scheduler@"$version"
go mod tidy
