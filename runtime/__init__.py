"""The Partner Confirm Lambda package: domain (pure), adapters, services, handlers, bootstrap."""
