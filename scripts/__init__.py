"""Platform tooling run by the Makefile and CI: tool bootstrap, chart verification, Kubernetes validation."""
