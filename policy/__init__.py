"""The CrossGuard policy pack (run with `pulumi preview --policy-pack policy`)."""
