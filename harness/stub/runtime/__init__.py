"""The stub's runtime: what executes a profile (labels, metrics, values, events, queues, operations, logs).

Everything here runs inside the stub process; :mod:`harness.stub.app` serves it over HTTP.
"""
