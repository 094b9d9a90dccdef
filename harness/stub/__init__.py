"""The instrumented stub service."""
