// crane (go-containerregistry v0.22.1), which loads the end-to-end test's images into the real
// node's containerd (tools/build.sh node; README "Toolchain"). Apart from tools/node because the
// two cannot share one version of github.com/docker/go-connections: go-containerregistry requires
// v0.7.0 (through moby/moby/client), which no longer has sockets.DialPipe, while kube-router v2.1.0
// compiles docker/docker v25's client, which calls it. crane itself compiles none of
// go-connections, so a module of its own costs only its ~80 packages, where splitting off
// kube-router instead would compile its ~750 (client-go v0.29, gobgp, ...) a second time.
module web-topology/tools/crane

go 1.26.7

godebug default=go1.26

tool github.com/google/go-containerregistry/cmd/crane

require (
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/google/go-containerregistry v0.22.1 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/klauspost/compress v1.19.2 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	github.com/spf13/cobra v1.10.2 // indirect
	github.com/spf13/pflag v1.0.10 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
