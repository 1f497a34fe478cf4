//go:build tools

// Package tools pins the kube-apiserver command so that `go build` resolves it from go.mod.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
