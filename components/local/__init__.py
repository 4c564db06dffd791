"""Resources specific to the local cloud."""
