#!/usr/bin/env bash
# Decides whether a stack's preview can run: it needs the Pulumi token and the stack's cloud identity
# (a repository variable). Missing either is a notice and `ready=false`, never a failure.
# In: PULUMI_ACCESS_TOKEN, CLOUD_IDENTITY (the variable's value), IDENTITY_VARIABLE (its name), STACK.
set -euo pipefail

ready=true
if [ -z "${PULUMI_ACCESS_TOKEN:-}" ]; then
  echo "::notice::No PULUMI_ACCESS_TOKEN secret in this repository; preview of ${STACK} skipped."
  ready=false
elif [ -z "${CLOUD_IDENTITY:-}" ]; then
  echo "::notice::Repository variable ${IDENTITY_VARIABLE} is not set; preview of ${STACK} skipped."
  ready=false
fi
echo "ready=${ready}" >> "${GITHUB_OUTPUT:?}"
