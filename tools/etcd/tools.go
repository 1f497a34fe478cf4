//go:build tools

// Package tools pins the etcd server command so that `go build` resolves it from go.mod.
package tools

import _ "go.etcd.io/etcd/server/v3"
