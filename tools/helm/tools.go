//go:build tools

// Package tools pins the helm command so that `go build` resolves it from go.mod.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
