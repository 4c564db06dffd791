"""Resources specific to the oci cloud."""
