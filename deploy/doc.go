// Package deploy holds the deployment files of jamsostek: the container image
// (Dockerfile), a compose stack (compose/) and Kubernetes manifests
// (k8s/: a kustomize base and overlays). It has no code: its tests build and
// parse those files with the real parsers (kustomize, the Kubernetes API
// types, compose-go, a Dockerfile reader) and check them against the binary's
// own configuration (the environment variables and commands of package main).
// docs/deployment.md explains how to use them.
package deploy
