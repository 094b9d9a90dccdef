"""Per-profile code hooks, for behaviour that profile YAML cannot express.

A hook module may define::

    def validate_request(operation: str, body: object) -> str | None:
        '''Return an error message to reject the request with HTTP 400.'''

The profile names its hook module in ``hooks:``; see ``harness.stub.profile``.
"""
