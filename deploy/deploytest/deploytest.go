// Package deploytest proves the deployment kit in deploy/ with real tools:
// the Compose specification's loader, Helm's engine and the Kubernetes API
// types, BuildKit's Dockerfile parser, actionlint, promtool, and a real
// nginx and Prometheus in front of a real featureflags server. It is a
// module of its own so that these libraries stay out of the service's.
package deploytest
