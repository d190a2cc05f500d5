"""The registry of persons liable for service, their employers, regions and offices."""
