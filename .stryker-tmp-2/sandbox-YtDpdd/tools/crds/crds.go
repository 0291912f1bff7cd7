// Package crds only exists so that `go mod tidy` keeps the requirements in
// go.mod: each blank import is a small package of a module whose source tree
// holds CRD manifests (see tools/crds.sh). Nothing here is built or run.
package crds

import (
	_ "github.com/cloudnative-pg/cloudnative-pg/pkg/versions"
	_ "github.com/envoyproxy/gateway/api/v1alpha1"
	_ "github.com/prometheus-operator/prometheus-operator/pkg/versionutil"
	_ "sigs.k8s.io/gateway-api/apis/v1"
)
