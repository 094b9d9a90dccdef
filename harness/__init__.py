"""firedrill: prove that alert rules, routes, dashboards and traces work, with real programs under real load."""

__version__ = "0.1.0"
