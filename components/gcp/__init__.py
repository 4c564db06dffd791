"""Resources specific to the gcp cloud."""
