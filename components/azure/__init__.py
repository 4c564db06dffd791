"""Resources specific to the azure cloud."""
